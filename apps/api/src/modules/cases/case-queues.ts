/**
 * "My tasks" per role (pure): which cases wait for someone in this role. The service adds the
 * scope — region scopes for the centre and field roles, the department for handlers.
 */
import type { Role } from '../../platform/access.js'
import { OPEN_STATES, type CaseState } from './case-workflow.js'

export interface TaskRule {
  states: readonly CaseState[]
  /** Only cases with a pending extension request. */
  extensionPending?: boolean
  /** Only cases of the user's department. */
  ownDepartment?: boolean
  /** Only red (overdue) cases. */
  overdue?: boolean
}

export const TASKS: Readonly<Partial<Record<Role, readonly TaskRule[]>>> = {
  // Triage public/hotline reports; send handled cases to check.
  operator: [{ states: ['reported', 'handled'] }],
  // Verify and check tasks in their grids.
  supervisor: [{ states: ['verifying', 'checking'] }],
  gridWorker: [{ states: ['verifying', 'checking'] }],
  // Register or reject; close or rework after a check; decide extension requests.
  shiftLeader: [{ states: ['reported', 'pendingRegister', 'checked'] }, { states: ['dispatched', 'handling'], extensionPending: true }],
  // Dispatch newly registered and returned cases.
  dispatcher: [{ states: ['registered', 'returned'] }],
  // Accept, handle or return what was dispatched to their department.
  departmentHandler: [{ states: ['dispatched', 'handling'], ownDepartment: true }],
  // Leaders follow what is overdue.
  leader: [{ states: OPEN_STATES, overdue: true }],
}

export function taskRulesFor(roles: readonly Role[]): TaskRule[] {
  return roles.flatMap((r) => TASKS[r] ?? [])
}
