/**
 * The demo accounts (pure): one or more for every role, with their scopes. Display names say
 * 演示 so nobody mistakes them for real people.
 */
import type { Role } from '../../platform/access.js'
import { DEPARTMENTS } from './catalog.js'

export interface DemoAccount {
  username: string
  displayName: string
  roles: Role[]
  /** Region codes (grid scopes of supervisors come from their grid assignments instead). */
  scopes: string[]
  /** Department code, for handlers. */
  department?: string
  /** What the account is for, printed at start. */
  note: string
}

/** Accounts for a pilot of `grids` grids (one supervisor per ~`gridsPerSupervisor` grids). */
export function demoAccounts(opts: { cityCode: string; pilotStreets: string[]; supervisors: number }): DemoAccount[] {
  const city = [opts.cityCode]
  const accounts: DemoAccount[] = [
    { username: 'leader', displayName: '演示领导', roles: ['leader'], scopes: city, note: '领导：督办、总览' },
    { username: 'operator', displayName: '演示受理员', roles: ['operator'], scopes: city, note: '受理员：热线、视频上报，核实/核查派单' },
    { username: 'shift', displayName: '演示值班长', roles: ['shiftLeader'], scopes: city, note: '值班长：立案、结案、延期、挂账' },
    { username: 'dispatcher', displayName: '演示派遣员', roles: ['dispatcher'], scopes: city, note: '派遣员：派遣到部门' },
    ...DEPARTMENTS.map((d) => ({ username: d.handler, displayName: `演示${d.name}处置员`, roles: ['departmentHandler'] as Role[], scopes: [], department: d.code, note: `部门处置员：${d.name}` })),
  ]
  for (let i = 1; i <= opts.supervisors; i++) {
    accounts.push({ username: `supervisor${i}`, displayName: `演示监督员${String(i).padStart(2, '0')}`, roles: ['supervisor'], scopes: [], note: '网格监督员：上报、核实、核查（试点网格）' })
  }
  accounts.push(
    { username: 'gridworker1', displayName: '演示网格员01', roles: ['gridWorker'], scopes: [], note: '网格员：协助试点网格' },
    { username: 'resident1', displayName: '演示居民01', roles: ['resident'], scopes: [], note: '居民：随手拍上报' },
    { username: 'parking1', displayName: '演示停车管理员01', roles: ['parkingOperator'], scopes: opts.pilotStreets, note: '停车管理员（试点街道）' },
  )
  return accounts
}
