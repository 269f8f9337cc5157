/** One progress report for one file (or an aggregate under a name of the caller's choice). */
export interface ProgressEvent {
  /** What is being transferred, e.g. `org/name/weights/model.safetensors`. */
  file: string;
  /** Bytes verified or written so far (resumed bytes included). */
  bytes: number;
  total: number;
  /** Recent transfer rate in bytes per second (moving average). */
  rate: number;
  /** Seconds left at the current rate; undefined before a rate is known. */
  etaSeconds: number | undefined;
  /** True on the last event for this file (it is in the cache now). */
  done: boolean;
}

export type ProgressListener = (event: ProgressEvent) => void;
