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

// Cases (kept in step with apps/api/src/modules/cases/cases.schemas.ts and case-workflow.ts).

export const CASE_STATES = [
  'reported',
  'verifying',
  'pendingRegister',
  'rejected',
  'registered',
  'returned',
  'dispatched',
  'handling',
  'handled',
  'checking',
  'checked',
  'suspended',
  'closed',
  'voided',
  'merged',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_ACTIONS = [
  'requestVerify',
  'verify',
  'register',
  'reject',
  'merge',
  'dispatch',
  'accept',
  'return',
  'handled',
  'extendRequest',
  'extendApprove',
  'extendDeny',
  'suspend',
  'resume',
  'requestCheck',
  'check',
  'close',
  'rework',
  'void',
  'reopen',
  'supervise',
  'urge',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const CASE_STAGES = ['register', 'dispatch', 'handle', 'check', 'close'] as const;
export type CaseStage = (typeof CASE_STAGES)[number];
export const CASE_SOURCES = ['supervisor', 'public', 'hotline', 'device', 'superior'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];
export const LIGHTS = ['green', 'yellow', 'red'] as const;
export type Light = (typeof LIGHTS)[number];
export const LIMIT_UNITS = ['workingHours', 'workingDays', 'naturalHours'] as const;
export type LimitUnit = (typeof LIMIT_UNITS)[number];

export interface CaseTiming {
  stage: string;
  start: string;
  end: string;
  usedMinutes: number;
  limitMinutes: number;
  onTime: boolean;
}

export interface CaseView {
  id: string;
  number: string;
  source: CaseSource;
  classKind: 'event' | 'component';
  majorClass: string;
  minorClass: string;
  componentCode: string | null;
  description: string;
  address: string | null;
  lng: number;
  lat: number;
  gridCode: string;
  communityCode: string | null;
  streetCode: string | null;
  districtCode: string;
  state: CaseState;
  publicStatus: string;
  stage: CaseStage | null;
  stageDeadline: string | null;
  light: Light;
  extensionPending: boolean;
  supervised: boolean;
  urgency: 'normal' | 'urgent' | 'emergency';
  departmentId: string | null;
  proposedDepartmentId: string | null;
  primaryCaseId: string | null;
  reporter: { name: string | null; phone: string | null; anonymous: boolean };
  photos: string[];
  version: number;
  reportedAt: string;
  registeredAt: string | null;
  dispatchedAt: string | null;
  handledAt: string | null;
  closedAt: string | null;
  timings: CaseTiming[];
  /** What the caller may do now (one button each). */
  actions: string[];
}

export interface CaseEvent {
  id: string;
  at: string;
  actorName: string;
  action: string;
  fromState: string | null;
  toState: string;
  comment: string | null;
  input: unknown;
  photos: string[];
}

export interface CaseDuplicate {
  id: string;
  number: string;
  state: string;
  distanceM: number;
  reportedAt: string;
}

/** Body of POST /cases/:id/:action (`version` always; the rest depends on the action). */
export interface CaseActionBody {
  version: number;
  reason?: string;
  comment?: string;
  photos?: string[];
  departmentId?: string;
  verifyOutcome?: 'confirmed' | 'notFound';
  checkOutcome?: 'passed' | 'failed';
  primaryCaseId?: string;
  reviewDate?: string;
  extension?: { amount: number; unit: LimitUnit };
}

export interface NewCase {
  source?: CaseSource;
  classKind: 'event' | 'component';
  minorClass: string;
  lng: number;
  lat: number;
  description: string;
  address?: string;
  photos?: string[];
  reporter?: { name?: string; phone?: string };
  anonymous?: boolean;
}

export interface Department {
  id: string;
  code: string;
  name: string;
  regionCode: string | null;
  disabled: boolean;
}

export interface MinorClass {
  kind: 'event' | 'component';
  code: string;
  name: string;
  majorCode: string;
  majorName: string;
  retired: boolean;
}

export interface Region {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
  bbox: [number, number, number, number] | null;
  hasGeometry: boolean;
  access: 'full' | 'ancestor';
}

type RegionRef = { code: string; name: string } | null;
export interface Located {
  grid: RegionRef;
  community: RegionRef;
  street: RegionRef;
  district: RegionRef;
  city: RegionRef;
  wgs84: [number, number];
}

export interface StoredFile {
  sha256: string;
  size: number;
  contentType: string;
  url: string;
}
