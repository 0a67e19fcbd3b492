import type { ReactNode } from 'react';
import { Navigate } from 'react-router';
import { useSession } from '../../app/session';

/** Who works in the parking console (the server still decides every call). */
export const PARKING_CONSOLE_ROLES = ['parkingOperator', 'admin'];

/** `/parking` is the operators' console; everyone else (residents) gets the phone pages. */
export function ParkingHome({ children }: { children: ReactNode }) {
  const { hasRole } = useSession();
  if (!PARKING_CONSOLE_ROLES.some(hasRole)) return <Navigate to="/parking/m" replace />;
  return children;
}
