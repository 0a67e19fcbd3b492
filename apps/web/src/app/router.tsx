import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter } from 'react-router';
import { PageLoading } from '../components/PageLoading';
import { RequireAuth, RequireRole } from './guards';

// Every page is its own chunk so the first route loads only what it shows.
const LoginPage = lazy(() => import('../features/auth/LoginPage'));
const AppLayout = lazy(() => import('./AppLayout'));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));
const PlaceholderPage = lazy(() => import('../features/dashboard/PlaceholderPage'));
const ScreenPage = lazy(() => import('../features/dashboard/ScreenPage'));
const NotFoundPage = lazy(() => import('../features/dashboard/NotFoundPage'));
const MePage = lazy(() => import('../features/me/MePage'));
const UsersPage = lazy(() => import('../features/admin/UsersPage'));
const AuditPage = lazy(() => import('../features/admin/AuditPage'));

function page(C: LazyExoticComponent<ComponentType>, fullscreen = false) {
  return (
    <Suspense fallback={<PageLoading fullscreen={fullscreen} />}>
      <C />
    </Suspense>
  );
}

/** Modules later issues fill in; until then each shows a "coming soon" page. */
const PLACEHOLDERS = ['cases', 'regions', 'components', 'parking', 'community', 'data'] as const;

export const router = createBrowserRouter([
  { path: '/login', element: page(LoginPage, true) },
  {
    element: <RequireAuth />,
    children: [
      { path: '/screen', element: page(ScreenPage, true) },
      {
        element: page(AppLayout, true),
        children: [
          { index: true, element: page(DashboardPage) },
          ...PLACEHOLDERS.map((p) => ({ path: `/${p}/*`, element: page(PlaceholderPage) })),
          { path: '/me', element: page(MePage) },
          { path: '/admin/users', element: <RequireRole role="admin">{page(UsersPage)}</RequireRole> },
          { path: '/admin/audit', element: <RequireRole role="admin">{page(AuditPage)}</RequireRole> },
          { path: '*', element: page(NotFoundPage) },
        ],
      },
    ],
  },
]);
