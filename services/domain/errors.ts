/**
 * The one shape of a coded error: an HTTP status, a stable code and, for a
 * refused input, the fields at fault. Every component's errors extend it, so
 * the API's central handler (api/errors.ts) answers them all alike.
 */
export interface FieldProblem {
  path: string;
  message: string;
}

export class CodedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
  }
}
