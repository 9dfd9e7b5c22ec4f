// Vietnamese for the server's field messages, which it writes in English.
// Exact-match only: a message not listed (or reworded on the server) is shown
// as the server wrote it, so nothing is lost. Better long term: the server
// sends Vietnamese, or a stable code per field error that we translate.

const VI: Record<string, string> = {
  // phone
  'enter a Vietnamese mobile number of 10 digits, e.g. 0912 345 678 or +84 912 345 678':
    'Nhập số di động Việt Nam gồm 10 chữ số, ví dụ 0912 345 678 hoặc +84 912 345 678.',
  'phone number may contain only digits, spaces, dots, dashes and a leading +':
    'Số điện thoại chỉ gồm chữ số, dấu cách, dấu chấm, dấu gạch ngang và dấu + ở đầu.',
  'an account with this phone number already exists': 'Số điện thoại này đã được đăng ký.',
  // password
  'password must be at least 8 characters': 'Mật khẩu phải có ít nhất 8 ký tự.',
  'password must be at most 128 characters': 'Mật khẩu không được dài quá 128 ký tự.',
  'password must contain at least one letter and one digit': 'Mật khẩu phải có ít nhất một chữ cái và một chữ số.',
  'this password is too common; choose another': 'Mật khẩu này quá phổ biến, vui lòng chọn mật khẩu khác.',
  'password must not contain your phone number': 'Mật khẩu không được chứa số điện thoại của bạn.',
  // full name
  'full name must be at least 2 characters': 'Họ và tên phải có ít nhất 2 ký tự.',
  'full name must be at most 100 characters': 'Họ và tên không được dài quá 100 ký tự.',
  'full name may contain only letters, spaces, apostrophes, dots and dashes':
    'Họ và tên chỉ gồm chữ cái, dấu cách, dấu nháy, dấu chấm và dấu gạch ngang.',
  // dates
  'date must be written YYYY-MM-DD, e.g. 2001-09-02': 'Ngày không hợp lệ.',
  'birth date is in the future': 'Ngày sinh không được ở tương lai.',
  'you must be at least 6 years old': 'Bạn phải từ 6 tuổi trở lên.',
  'birth date is too far in the past': 'Ngày sinh không hợp lệ.',
  'admission date is in the future': 'Ngày kết nạp không được ở tương lai.',
  'admission date must be after the birth date': 'Ngày kết nạp phải sau ngày sinh.',
  'admission date is before the Union was founded (26/3/1931)':
    'Ngày kết nạp không thể trước ngày thành lập Đoàn (26/3/1931).',
  // other fields
  'citizen id (CCCD) must be exactly 12 digits': 'Số CCCD phải gồm đúng 12 chữ số.',
  'an account with this citizen id already exists': 'Số CCCD này đã được đăng ký.',
  'email address is not valid': 'Địa chỉ email không hợp lệ.',
  'no such unit': 'Đơn vị không tồn tại. Vui lòng chọn lại.',
  'you must agree to the processing of your personal data to take part':
    'Bạn cần đồng ý cho xử lý dữ liệu cá nhân để tham gia.',
  'search text must be at most 100 characters': 'Từ khóa tìm kiếm không được dài quá 100 ký tự.',
};

/** The Vietnamese for a known server message, else the message itself. */
export function translateMessage(message: string): string {
  return VI[message.trim()] ?? message;
}
