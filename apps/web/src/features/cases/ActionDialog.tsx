import { Alert, App, Form, Input, InputNumber, Modal, Radio, Select, Space } from 'antd';
import type { FormInstance } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../lib/api';
import { errorText } from '../../lib/errors';
import { LIMIT_UNITS, type CaseAction, type CaseActionBody, type CaseDuplicate, type CaseView, type LimitUnit } from '../../lib/types';
import { actOnCase, newIdempotencyKey } from './caseApi';
import { actionLabel } from './caseLabels';
import { PhotoUploader } from './PhotoUploader';
import { useDepartments } from './useReference';

type Field = 'reason' | 'comment' | 'photos' | 'departmentId' | 'verifyOutcome' | 'checkOutcome' | 'primaryCaseId' | 'reviewDate' | 'extension';

/**
 * The inputs of each action (case-workflow.ts `requires`, plus the dispatch override reason).
 * `comment` is an optional note recorded in the timeline; every other listed field is required.
 */
export const ACTION_FIELDS: Record<CaseAction, readonly Field[]> = {
  requestVerify: ['comment'],
  verify: ['verifyOutcome', 'comment'],
  register: ['comment'],
  reject: ['reason'],
  merge: ['primaryCaseId'],
  dispatch: ['departmentId', 'reason'],
  accept: ['comment'],
  return: ['reason'],
  handled: ['photos', 'comment'],
  extendRequest: ['extension', 'reason'],
  extendApprove: ['extension', 'comment'],
  extendDeny: ['reason'],
  suspend: ['reason', 'reviewDate'],
  resume: ['comment'],
  requestCheck: ['comment'],
  check: ['checkOutcome', 'photos', 'comment'],
  close: ['comment'],
  rework: ['reason'],
  void: ['reason'],
  reopen: ['reason'],
  supervise: ['comment'],
  urge: ['comment'],
};

/** Actions whose comment is required (督办 is a written instruction). */
const COMMENT_REQUIRED: readonly CaseAction[] = ['supervise'];
/** Actions shown as dangerous (red) buttons. */
export const DANGER_ACTIONS: readonly string[] = ['reject', 'void', 'return', 'rework'];

interface Values {
  reason?: string;
  comment?: string;
  photos?: string[];
  departmentId?: string;
  verifyOutcome?: 'confirmed' | 'notFound';
  checkOutcome?: 'passed' | 'failed';
  primaryCaseId?: string;
  reviewDate?: string;
  extension?: { amount?: number; unit?: LimitUnit };
}

/** Put problem `errors[]` (dotted names such as `photos.0`, `extension.amount`) on the dialog's fields. */
function placeFieldErrors(form: FormInstance, err: unknown, fields: readonly Field[], t: (k: 'cases.fieldRequired') => string): boolean {
  if (!(err instanceof ApiError) || !err.problem.errors?.length) return false;
  const placed: { name: string | string[]; errors: string[] }[] = [];
  for (const e of err.problem.errors) {
    const [head = '', sub] = e.field.replace(/^\/?body[./]/, '').split(/[./]/);
    const name = head === 'departmentCode' ? 'departmentId' : head;
    if (!fields.includes(name as Field)) continue;
    const reason = e.reason === 'required' ? t('cases.fieldRequired') : e.reason;
    placed.push({ name: name === 'extension' ? ['extension', sub === 'unit' ? 'unit' : 'amount'] : name, errors: [reason] });
  }
  form.setFields(placed);
  return placed.length > 0;
}

export interface ActionRequest {
  action: CaseAction;
  /** Preset values, e.g. the duplicate to merge into. */
  preset?: Partial<Values>;
}

/**
 * One dialog per workflow action, with exactly the inputs that action takes. Sends the case
 * version and an Idempotency-Key (kept while the dialog is open, so a retry after a network
 * error cannot act twice). A stale version (409 VERSION_CONFLICT) reloads the case.
 */
export function ActionDialog({
  c,
  request,
  duplicates,
  requestedExtension,
  onClose,
  onDone,
  onConflict,
}: {
  c: CaseView;
  request: ActionRequest | null;
  duplicates: CaseDuplicate[];
  requestedExtension?: { amount: number; unit: LimitUnit } | null;
  onClose: () => void;
  onDone: (updated: CaseView) => void;
  onConflict: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const depts = useDepartments();
  const action = request?.action;
  // A new key for each opening of the dialog; retries of the same submission reuse it.
  const key = useMemo(() => (request ? newIdempotencyKey() : ''), [request]);
  const departmentId = Form.useWatch('departmentId', form);
  if (!action) return null;
  const fields = ACTION_FIELDS[action];
  const overriding = action === 'dispatch' && !!c.proposedDepartmentId && !!departmentId && departmentId !== c.proposedDepartmentId;
  const required = (f: Field) => f !== 'comment' ? (action === 'dispatch' && f === 'reason' ? overriding : true) : COMMENT_REQUIRED.includes(action);
  const req = (f: Field) => (required(f) ? [{ required: true, message: t('cases.fieldRequired') }] : []);

  const initial: Values = {
    ...(action === 'dispatch' && c.proposedDepartmentId ? { departmentId: c.proposedDepartmentId } : {}),
    ...(action === 'extendApprove' && requestedExtension ? { extension: requestedExtension } : {}),
    ...(action === 'extendRequest' || (action === 'extendApprove' && !requestedExtension) ? { extension: { unit: 'workingHours' as const } } : {}),
    ...(action === 'check' ? { checkOutcome: 'passed' as const } : {}),
    ...(action === 'verify' ? { verifyOutcome: 'confirmed' as const } : {}),
    ...request.preset,
  };

  const submit = async (v: Values) => {
    setSaving(true);
    setFormError(null);
    const body: CaseActionBody = { version: c.version };
    const text = (s?: string) => (s && s.trim() ? s.trim() : undefined);
    for (const f of fields) {
      if (f === 'reason' && text(v.reason)) body.reason = text(v.reason);
      if (f === 'comment' && text(v.comment)) body.comment = text(v.comment);
      if (f === 'photos' && v.photos?.length) body.photos = v.photos;
      if (f === 'departmentId' && v.departmentId) body.departmentId = v.departmentId;
      if (f === 'verifyOutcome' && v.verifyOutcome) body.verifyOutcome = v.verifyOutcome;
      if (f === 'checkOutcome' && v.checkOutcome) body.checkOutcome = v.checkOutcome;
      if (f === 'primaryCaseId' && v.primaryCaseId) body.primaryCaseId = v.primaryCaseId;
      if (f === 'reviewDate' && v.reviewDate) body.reviewDate = v.reviewDate;
      if (f === 'extension' && v.extension?.amount && v.extension.unit) body.extension = { amount: v.extension.amount, unit: v.extension.unit };
    }
    try {
      const updated = await actOnCase(c.id, action, body, key);
      void message.success(t('cases.actionDone', { action: actionLabel(t, action) }));
      onDone(updated);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'VERSION_CONFLICT') {
        void message.warning(t('cases.versionConflict'));
        onConflict();
        return;
      }
      const placed = placeFieldErrors(form, e, fields, t);
      setFormError(placed && e instanceof ApiError && !e.problem.detail ? t('cases.checkFields') : errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={`${actionLabel(t, action)} · ${c.number}`}
      okText={t('common.submit')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'action-submit' }}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="action-error" />}
      <Form<Values> form={form} layout="vertical" initialValues={initial} onFinish={(v) => void submit(v)} data-testid={`action-form-${action}`}>
        {fields.includes('verifyOutcome') && (
          <Form.Item name="verifyOutcome" label={t('cases.fields.verifyOutcome')} rules={req('verifyOutcome')}>
            <Radio.Group
              optionType="button"
              buttonStyle="solid"
              options={[
                { value: 'confirmed', label: t('cases.verifyOutcomes.confirmed') },
                { value: 'notFound', label: t('cases.verifyOutcomes.notFound') },
              ]}
            />
          </Form.Item>
        )}
        {fields.includes('checkOutcome') && (
          <Form.Item name="checkOutcome" label={t('cases.fields.checkOutcome')} rules={req('checkOutcome')}>
            <Radio.Group
              optionType="button"
              buttonStyle="solid"
              options={[
                { value: 'passed', label: t('cases.checkOutcomes.passed') },
                { value: 'failed', label: t('cases.checkOutcomes.failed') },
              ]}
            />
          </Form.Item>
        )}
        {fields.includes('departmentId') && (
          <Form.Item
            name="departmentId"
            label={t('cases.fields.department')}
            rules={req('departmentId')}
            extra={c.proposedDepartmentId ? t('cases.proposedDepartment', { name: depts.byId.get(c.proposedDepartmentId)?.name ?? c.proposedDepartmentId }) : undefined}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              data-testid="action-department"
              options={depts.items
                .filter((d) => !d.disabled)
                .map((d) => ({ value: d.id, label: d.id === c.proposedDepartmentId ? `${d.name} (${t('cases.proposed')})` : d.name }))}
            />
          </Form.Item>
        )}
        {fields.includes('primaryCaseId') && (
          <Form.Item name="primaryCaseId" label={t('cases.fields.primaryCase')} rules={req('primaryCaseId')}>
            <Select
              options={duplicates.map((d) => ({ value: d.id, label: t('cases.duplicateOption', { number: d.number, distance: Math.round(d.distanceM) }) }))}
              notFoundContent={t('cases.noDuplicates')}
            />
          </Form.Item>
        )}
        {fields.includes('extension') && (
          <Form.Item label={t('cases.fields.extension')} required>
            <Space.Compact>
              <Form.Item name={['extension', 'amount']} noStyle rules={req('extension')}>
                <InputNumber min={0.25} step={0.5} style={{ width: 140 }} data-testid="action-extension-amount" />
              </Form.Item>
              <Form.Item name={['extension', 'unit']} noStyle rules={req('extension')}>
                <Select style={{ width: 160 }} options={LIMIT_UNITS.map((u) => ({ value: u, label: t(`cases.units.${u}`) }))} />
              </Form.Item>
            </Space.Compact>
          </Form.Item>
        )}
        {fields.includes('reviewDate') && (
          <Form.Item name="reviewDate" label={t('cases.fields.reviewDate')} rules={req('reviewDate')}>
            <Input type="date" style={{ width: 200 }} />
          </Form.Item>
        )}
        {fields.includes('photos') && (
          <Form.Item
            name="photos"
            label={t(action === 'handled' ? 'cases.fields.photosAfter' : 'cases.fields.photosOnSite')}
            rules={required('photos') ? [{ required: true, type: 'array', min: 1, message: t('cases.photosRequired') }] : []}
          >
            <PhotoUploader testId="action-photos" />
          </Form.Item>
        )}
        {fields.includes('reason') && (
          <Form.Item name="reason" label={t(overriding ? 'cases.fields.overrideReason' : 'cases.fields.reason')} rules={req('reason')} hidden={action === 'dispatch' && !overriding}>
            <Input.TextArea rows={3} maxLength={1000} showCount data-testid="action-reason" />
          </Form.Item>
        )}
        {fields.includes('comment') && (
          <Form.Item name="comment" label={t('cases.fields.comment')} rules={req('comment')}>
            <Input.TextArea rows={2} maxLength={1000} data-testid="action-comment" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
