import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { createBrowserRouter } from 'react-router';
import { PageLoading } from '../components/PageLoading';
import { INTAKE_ROLES } from '../features/cases/roles';
import { FIELD_ROLES, FieldHomeRedirect } from '../features/field/FieldHome';
import { ParkingHome } from '../features/parking/ParkingHome';
import { RequireAuth, RequireRole } from './guards';

// Every page is its own chunk so the first route loads only what it shows.
const LoginPage = lazy(() => import('../features/auth/LoginPage'));
const AppLayout = lazy(() => import('./AppLayout'));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));
const PlaceholderPage = lazy(() => import('../features/dashboard/PlaceholderPage'));
const ScreenPage = lazy(() => import('../features/screen/ScreenPage'));
const ScreenSummaryPage = lazy(() => import('../features/screen/SummaryPage'));
const NotFoundPage = lazy(() => import('../features/dashboard/NotFoundPage'));
const MePage = lazy(() => import('../features/me/MePage'));
const UsersPage = lazy(() => import('../features/admin/UsersPage'));
const AuditPage = lazy(() => import('../features/admin/AuditPage'));
const CasesPage = lazy(() => import('../features/cases/CasesPage'));
const CaseDetailPage = lazy(() => import('../features/cases/CaseDetailPage'));
const NewCasePage = lazy(() => import('../features/cases/NewCasePage'));
const FieldPage = lazy(() => import('../features/field/FieldPage'));
const ParkingConsolePage = lazy(() => import('../features/parking/ParkingConsolePage'));
const ParkingMobilePage = lazy(() => import('../features/parking/ParkingMobilePage'));
const RegionsPage = lazy(() => import('../features/regions/RegionsPage'));
const DataManagerPage = lazy(() => import('../features/datasets/DataManagerPage'));
const CheckRowsPage = lazy(() => import('../features/datasets/CheckRowsPage'));
// The component pages come in two chunks: registry + detail, and the admins' import + classes.
const componentPages = () => import('../features/components/pages');
const componentAdminPages = () => import('../features/components/adminPages');
const ComponentsPage = lazy(() => componentPages().then((m) => ({ default: m.ComponentsPage })));
const ComponentDetailPage = lazy(() => componentPages().then((m) => ({ default: m.ComponentDetailPage })));
const ComponentImportPage = lazy(() => componentAdminPages().then((m) => ({ default: m.ImportPage })));
const ComponentClassesPage = lazy(() => componentAdminPages().then((m) => ({ default: m.ClassesPage })));

/** Who opens the data manager (the API's datasets.read). */
const DATA_ROLES = ['admin', 'leader'];

function page(C: LazyExoticComponent<ComponentType>, fullscreen = false) {
  return (
    <Suspense fallback={<PageLoading fullscreen={fullscreen} />}>
      <C />
    </Suspense>
  );
}

/** Modules later issues fill in; until then each shows a "coming soon" page. */
const PLACEHOLDERS = ['community'] as const;

export const router = createBrowserRouter([
  { path: '/login', element: page(LoginPage, true) },
  {
    element: <RequireAuth />,
    children: [
      { path: '/screen', element: page(ScreenPage, true) },
      { path: '/screen/summary', element: page(ScreenSummaryPage, true) },
      // The field app has its own phone layout, outside the console frame.
      { path: '/field', element: <RequireRole role={FIELD_ROLES}>{page(FieldPage, true)}</RequireRole> },
      // Resident parking: a phone layout too (find, book, pass, share my space, earnings).
      { path: '/parking/m', element: page(ParkingMobilePage, true) },
      {
        element: <FieldHomeRedirect>{page(AppLayout, true)}</FieldHomeRedirect>,
        children: [
          { index: true, element: page(DashboardPage) },
          { path: '/cases', element: page(CasesPage) },
          { path: '/cases/new', element: <RequireRole role={INTAKE_ROLES}>{page(NewCasePage)}</RequireRole> },
          { path: '/cases/:id', element: page(CaseDetailPage) },
          { path: '/parking', element: <ParkingHome>{page(ParkingConsolePage)}</ParkingHome> },
          { path: '/regions', element: page(RegionsPage) },
          { path: '/data', element: <RequireRole role={DATA_ROLES}>{page(DataManagerPage)}</RequireRole> },
          { path: '/data/:name/:key', element: <RequireRole role={DATA_ROLES}>{page(CheckRowsPage)}</RequireRole> },
          { path: '/components', element: page(ComponentsPage) },
          { path: '/components/import', element: <RequireRole role="admin">{page(ComponentImportPage)}</RequireRole> },
          { path: '/components/classes', element: <RequireRole role="admin">{page(ComponentClassesPage)}</RequireRole> },
          { path: '/components/:code', element: page(ComponentDetailPage) },
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
