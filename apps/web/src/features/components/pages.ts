// The registry and a component's detail as one lazy chunk (one new entry for the bundle's chunk
// grouping, so the other routes' shared chunks stay as they were).
export { default as ComponentsPage } from './ComponentsPage';
export { default as ComponentDetailPage } from './ComponentDetailPage';
