/** Coded errors of the inspections service; the API's central handler turns them into answers. */

export interface FieldProblem {
  path: string;
  message: string;
}

export class InspectionError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
  }
}

export const notFound = (what: string): InspectionError => new InspectionError(404, 'NOT_FOUND', `${what} not found`);
