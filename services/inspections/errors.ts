/** Coded errors of the inspections service; the API's central handler turns them into answers. */
import { CodedError, type FieldProblem } from '../domain/errors.js';

export type { FieldProblem } from '../domain/errors.js';

export class InspectionError extends CodedError {
  constructor(statusCode: number, code: string, message: string, fields?: FieldProblem[]) {
    super(statusCode, code, message, fields);
  }
}

export const notFound = (what: string): InspectionError => new InspectionError(404, 'NOT_FOUND', `${what} not found`);
