//! Personal data (PIPL): validated newtypes for phone and ID numbers, masking for every
//! response, and field encryption with a keyed blind index for exact lookup.

mod cipher;
mod id_number;
mod mask;
mod phone;

pub use cipher::{Cipher, CipherError, KEY_LEN};
pub use id_number::{IdNumber, IdNumberError, check_char};
pub use mask::{mask_email, mask_id_number, mask_name, mask_phone, mask_text};
pub use phone::{PhoneError, PhoneNumber};
