/** One reason a record was refused (Auth0's job error shape). */
export interface RecordError {
  code: string;
  message: string;
  /** The property at fault (Auth0's `path`), when there is one. */
  path?: string;
}
