import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../app/session';

/** Who may use the field app. */
export const FIELD_ROLES = ['supervisor', 'gridWorker', 'admin'];
/** Roles that work on foot: their home page is the field app. */
const FOOT_ROLES = ['supervisor', 'gridWorker'];

/** `/` for someone who only works in the field is the field app; everyone else gets the console. */
export function FieldHomeRedirect({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const { pathname } = useLocation();
  if (pathname === '/' && user && user.roles.length > 0 && user.roles.every((r) => FOOT_ROLES.includes(r))) return <Navigate to="/field" replace />;
  return children;
}
