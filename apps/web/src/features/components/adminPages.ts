// The import wizard and the class editor (admins) as one lazy chunk.
export { default as ImportPage } from './ImportPage';
export { default as ClassesPage } from './ClassesPage';
