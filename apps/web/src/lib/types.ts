// Shapes of API responses the console uses (kept in step with apps/api schemas).

export const ROLES = [
  'admin',
  'leader',
  'operator',
  'shiftLeader',
  'dispatcher',
  'departmentHandler',
  'supervisor',
  'gridWorker',
  'resident',
  'parkingOperator',
] as const;
export type Role = (typeof ROLES)[number];

export interface Scope {
  regionCode: string;
  regionLevel: string;
}

export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  departmentId: string | null;
  scopes: Scope[];
  permissions: string[];
}

export interface ApiToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken {
  id: string;
  name: string;
  token: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  departmentId: string | null;
  scopes: Scope[];
  disabled: boolean;
  phoneMasked: string | null;
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: string[];
  departmentId?: string;
  scopes: { regionCode: string }[];
  phone?: string;
}

export interface AuditRow {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  requestId: string | null;
  ip: string | null;
}

export interface AuditVerify {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
  reason: string | null;
}
