/**
 * The closed list of error codes clients may rely on, with their HTTP status. Services throw
 * `DomainError`; only the error plugin turns them into problem+json responses.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'Validation failed' },
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid username or password' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  /** The `version` (If-Match) given is not the current one; the body carries the current state. */
  VERSION_CONFLICT: { status: 409, title: 'The resource was changed by someone else' },
  /** The workflow does not allow this action in the case's current state. */
  CASE_TRANSITION_NOT_ALLOWED: { status: 409, title: 'Action not allowed in the current state' },
  /** Parking: the space is already booked for an overlapping time (the database refused it). */
  RESERVATION_CONFLICT: { status: 409, title: 'The space is already booked for that time' },
  /** Parking: no compatible space of the lot is free for the whole window. */
  NO_SPACE_AVAILABLE: { status: 409, title: 'No free space for that time' },
  /** Parking: a booking rule of the lot refuses the request (duration, lead time, opening hours, limits, eligibility). */
  BOOKING_RULE_VIOLATED: { status: 422, title: 'The booking breaks a rule of the lot' },
  /** Parking: the account is banned from booking for a while (repeated no-shows); `until` says when it ends. */
  BOOKING_BANNED: { status: 403, title: 'Booking is suspended for this account' },
  /** The same Idempotency-Key was reused with a different request. */
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused with a different request' },
  /** A request with this Idempotency-Key is still being processed. */
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'A request with this idempotency key is in progress' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  LOGIN_LOCKED: { status: 429, title: 'Too many failed logins' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  NOT_READY: { status: 503, title: 'Service not ready' },
  INTERNAL: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export interface FieldError {
  field: string
  reason: string
}

export class DomainError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail ?? ERROR_CODES[code].title)
    this.status = ERROR_CODES[code].status
  }
}

export const notFound = (what = 'Resource') => new DomainError('NOT_FOUND', `${what} not found`)
export const forbidden = (detail = 'You may not do this') => new DomainError('FORBIDDEN', detail)
export const invalid = (errors: FieldError[], detail = 'The request has invalid fields') =>
  new DomainError('VALIDATION_FAILED', detail, { errors })
