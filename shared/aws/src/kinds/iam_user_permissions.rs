//! Where an IAM user's permissions come from (its own managed and inline policies,
//! its groups'), and moving its own policies to a group of its own and back: the
//! `Permissions` facet and the move actions of the `iam_user` adapter.
//!
//! The move never lets the user's permissions drop: the group gets every policy and
//! the user joins it before any of the user's own is removed; the way back puts them
//! on the user before taking them off the group.
use std::collections::BTreeMap;

use policy::PortError;
use policy::kinds::iam_user::{GroupPolicies, MoveDirectPoliciesToGroup, MoveGroupPoliciesToUser, UserPermissions};

use super::iam_user::{IamUserAdapter, NO_SUCH_ENTITY};
use crate::error::{error_code, port_error};

/// IAM returns policy documents URL-encoded (RFC 3986); Put*Policy takes them plain.
fn decode(doc: &str) -> String {
    percent_encoding::percent_decode_str(doc)
        .decode_utf8_lossy()
        .into_owned()
}

impl IamUserAdapter {
    pub(super) async fn permissions(&self, user: &str, what: &str) -> Result<UserPermissions, PortError> {
        let iam = self.iam();
        let attached = self.attached_policies(user, what).await?;
        let mut inline = BTreeMap::new();
        let names = iam
            .list_user_policies()
            .user_name(user)
            .send()
            .await
            .map_err(|e| port_error("ListUserPolicies", what, e))?;
        for n in names.policy_names() {
            let doc = iam
                .get_user_policy()
                .user_name(user)
                .policy_name(n)
                .send()
                .await
                .map_err(|e| port_error("GetUserPolicy", what, e))?;
            inline.insert(n.clone(), decode(doc.policy_document()));
        }
        let mut groups = Vec::new();
        let of_user = iam
            .list_groups_for_user()
            .user_name(user)
            .send()
            .await
            .map_err(|e| port_error("ListGroupsForUser", what, e))?;
        for g in of_user.groups() {
            groups.push(self.group_policies(g.group_name()).await?);
        }
        Ok(UserPermissions {
            attached,
            inline,
            groups,
        })
    }

    async fn group_policies(&self, group: &str) -> Result<GroupPolicies, PortError> {
        let iam = self.iam();
        let what = format!("IAM group {group}");
        let attached = iam
            .list_attached_group_policies()
            .group_name(group)
            .send()
            .await
            .map_err(|e| port_error("ListAttachedGroupPolicies", &what, e))?
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .map(str::to_owned)
            .collect();
        let mut inline = BTreeMap::new();
        let names = iam
            .list_group_policies()
            .group_name(group)
            .send()
            .await
            .map_err(|e| port_error("ListGroupPolicies", &what, e))?;
        for n in names.policy_names() {
            let doc = iam
                .get_group_policy()
                .group_name(group)
                .policy_name(n)
                .send()
                .await
                .map_err(|e| port_error("GetGroupPolicy", &what, e))?;
            inline.insert(n.clone(), decode(doc.policy_document()));
        }
        Ok(GroupPolicies {
            name: group.to_string(),
            attached,
            inline,
        })
    }

    pub(super) async fn move_to_group(&self, a: &MoveDirectPoliciesToGroup) -> Result<(), PortError> {
        let iam = self.iam();
        let (user, group) = (&a.user, &a.group);
        let what = format!("IAM group {group}");
        if !self.user_exists(user).await? {
            return Err(PortError::NotFound {
                what: format!("IAM user {user}"),
            });
        }
        match iam.create_group().group_name(group).send().await {
            Ok(_) => {}
            // The group exists: the user's own (a move cut short, or an earlier
            // one), unless someone else is in it. Policies given to a group with
            // other members would grant them too: refuse, changing nothing.
            Err(e) if error_code(&e) == Some("EntityAlreadyExists") => {
                let existing = iam
                    .get_group()
                    .group_name(group)
                    .send()
                    .await
                    .map_err(|e| port_error("GetGroup", &what, e))?;
                let others: Vec<&str> = existing
                    .users()
                    .iter()
                    .map(|u| u.user_name())
                    .filter(|u| u != user)
                    .collect();
                if !others.is_empty() {
                    return Err(PortError::InvalidData {
                        operation: "GetGroup".into(),
                        reason: format!(
                            "{what} exists with other members ({}): moving user {user}'s policies there would grant them too; nothing was changed (set DirectPolicyGroupPrefix to a prefix no group uses)",
                            others.join(", ")
                        ),
                    });
                }
            }
            Err(e) => return Err(port_error("CreateGroup", &what, e)),
        }
        for arn in &a.managed {
            iam.attach_group_policy()
                .group_name(group)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| port_error("AttachGroupPolicy", &what, e))?;
        }
        for (name, doc) in &a.inline {
            iam.put_group_policy()
                .group_name(group)
                .policy_name(name)
                .policy_document(doc)
                .send()
                .await
                .map_err(|e| port_error("PutGroupPolicy", &what, e))?;
        }
        iam.add_user_to_group()
            .group_name(group)
            .user_name(user)
            .send()
            .await
            .map_err(|e| port_error("AddUserToGroup", &what, e))?;
        // Only now, with the group's policies in force, the user's own go.
        for arn in &a.managed {
            match iam.detach_user_policy().user_name(user).policy_arn(arn).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                Err(e) => return Err(port_error("DetachUserPolicy", user, e)),
            }
        }
        for name in a.inline.keys() {
            match iam.delete_user_policy().user_name(user).policy_name(name).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                Err(e) => return Err(port_error("DeleteUserPolicy", user, e)),
            }
        }
        Ok(())
    }

    pub(super) async fn move_to_user(&self, a: &MoveGroupPoliciesToUser) -> Result<(), PortError> {
        let iam = self.iam();
        let (user, group) = (&a.user, &a.group);
        let what = format!("IAM group {group}");
        if !self.user_exists(user).await? {
            return Err(PortError::NotFound {
                what: format!("IAM user {user}"),
            });
        }
        // The user's own policies first: its permissions never drop.
        for arn in &a.managed {
            iam.attach_user_policy()
                .user_name(user)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| port_error("AttachUserPolicy", user, e))?;
        }
        for (name, doc) in &a.inline {
            iam.put_user_policy()
                .user_name(user)
                .policy_name(name)
                .policy_document(doc)
                .send()
                .await
                .map_err(|e| port_error("PutUserPolicy", user, e))?;
        }
        for arn in &a.managed {
            match iam.detach_group_policy().group_name(group).policy_arn(arn).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                Err(e) => return Err(port_error("DetachGroupPolicy", &what, e)),
            }
        }
        for name in a.inline.keys() {
            match iam
                .delete_group_policy()
                .group_name(group)
                .policy_name(name)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                Err(e) => return Err(port_error("DeleteGroupPolicy", &what, e)),
            }
        }
        if a.delete_group {
            match iam
                .remove_user_from_group()
                .group_name(group)
                .user_name(user)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                Err(e) => return Err(port_error("RemoveUserFromGroup", &what, e)),
            }
            match iam.delete_group().group_name(group).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                Err(e) => return Err(port_error("DeleteGroup", &what, e)),
            }
        }
        Ok(())
    }
}
