/**
 * @file The image workers' messages: one request per file, one reply (the conversion or a typed
 * error). No progress or cancel: a file takes milliseconds to a second, and the pool simply does
 * not send the files not started yet when a conversion is stopped.
 */
import type { UploadConversion, UploadConversionRequest } from '../../core/image/file';
import type { WireError } from '../protocol';

export interface ImageRequest {
  id: number;
  request: UploadConversionRequest;
}

export type ImageReply = { id: number; result: UploadConversion } | { id: number; error: WireError };
