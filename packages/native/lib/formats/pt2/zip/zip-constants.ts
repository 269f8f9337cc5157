// Record signatures and sizes from PKWARE's APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.14-4.3.16).
export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIGNATURE = 0x06054b50;
export const EOCD_SIZE = 22;
export const ZIP64_EOCD_SIGNATURE = 0x06064b50;
export const ZIP64_EOCD_SIZE = 56;
export const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EXTRA_ID = 0x0001;
/** The longest comment an EOCD can carry, so the farthest the EOCD can sit from the end. */
export const MAX_COMMENT_LENGTH = 0xffff;
/** A 16- or 32-bit field at this value means "see the ZIP64 record". */
export const U16_SENTINEL = 0xffff;
export const U32_SENTINEL = 0xffffffff;
/** General purpose flag bits. */
export const FLAG_ENCRYPTED = 0x0001;
export const METHOD_STORED = 0;
