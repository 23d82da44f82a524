//! Network and data stores (issue #12): Lambda functions in moto.

/// A minimal zip (stored, one file): Lambda's CreateFunction wants a package; moto
/// runs nothing. Written out here rather than pulling in a zip crate for one file.
pub fn lambda_zip() -> Vec<u8> {
    let name = b"index.py";
    let data = b"def handler(e, c):\n    return 1\n";
    let crc = {
        let mut c: u32 = !0;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
        }
        !c
    };
    let (len, nlen) = (data.len() as u32, name.len() as u16);
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend(0x0403_4b50u32.to_le_bytes());
        z.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend(crc.to_le_bytes());
        z.extend(len.to_le_bytes());
        z.extend(len.to_le_bytes());
        z.extend(nlen.to_le_bytes());
        z.extend(0u16.to_le_bytes());
    };
    local(&mut z);
    z.extend(name);
    z.extend(data);
    let cd_start = z.len() as u32;
    z.extend(0x0201_4b50u32.to_le_bytes());
    z.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend(crc.to_le_bytes());
    z.extend(len.to_le_bytes());
    z.extend(len.to_le_bytes());
    z.extend(nlen.to_le_bytes());
    z.extend([0u8; 12]);
    z.extend(0u32.to_le_bytes());
    z.extend(name);
    let cd_len = z.len() as u32 - cd_start;
    z.extend(0x0605_4b50u32.to_le_bytes());
    z.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend(cd_len.to_le_bytes());
    z.extend(cd_start.to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z
}
