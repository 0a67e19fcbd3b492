/** Roles that take hotline calls (the intake form /cases/new). */
export const INTAKE_ROLES = ['operator', 'shiftLeader', 'admin'];
