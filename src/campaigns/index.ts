export { validateContact, normalizeEmail, isTimeZone, fieldNameOf, CONTACT_STATUSES, type ContactInput, type ValidContact, type FieldValue } from './contact-input.js';
export { upsertContacts, type UpsertResult } from './upsert-contacts.js';
export { importContacts, type ColumnMapping, type ImportOptions, type ImportProgress, type ImportReport, type RowError } from './import-contacts.js';
export { exportContacts, csvCell, type ExportOptions } from './export-contacts.js';
export { createList, findList, ensureList, listLists, type ContactList } from './lists.js';
export { listContacts, countContacts, contactView, type ContactView, type ContactQuery } from './read-contacts.js';
export { compileTemplate, textFromHtml, type TemplateInput, type CompiledTemplate } from './compile-template.js';
export { prepareTemplate, renderTemplate, contactScope, type PreparedTemplate, type Rendered } from './render-template.js';
export { createTemplate, updateTemplate, findTemplate, listTemplates } from './manage-templates.js';
