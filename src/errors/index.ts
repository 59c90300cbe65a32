export { SapflowError, isSapflowError, oneLine, type ErrorBody } from './sapflow-error.js';
export { ERROR_STATUS, retryAfterForCode, statusForCode, type ErrorCode } from './codes.js';
export { toSapflowError, toErrorInfo } from './to-sapflow-error.js';
