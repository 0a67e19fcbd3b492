import { PlusOutlined } from '@ant-design/icons';
import { Upload } from 'antd';
import type { UploadFile, UploadProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { fileUrl, uploadPhoto } from './caseApi';

/**
 * Photo upload for a form field whose value is the list of uploaded file ids (sha256). Each file
 * is sent to POST /files as soon as it is picked; the thumbnails come back from the file store.
 */
export function PhotoUploader({ value, onChange, max = 9, testId }: { value?: string[]; onChange?: (v: string[]) => void; max?: number; testId?: string }) {
  const { t } = useTranslation();
  const [files, setFiles] = useState<UploadFile[]>(() =>
    (value ?? []).map((sha) => ({ uid: sha, name: sha.slice(0, 8), status: 'done', url: fileUrl(sha), response: { sha256: sha } })),
  );

  const emit = (list: UploadFile[]) => {
    setFiles(list);
    const shas = list.filter((f) => f.status === 'done').map((f) => (f.response as { sha256: string }).sha256);
    onChange?.([...new Set(shas)]);
  };

  const customRequest: UploadProps['customRequest'] = ({ file, onSuccess, onError }) => {
    uploadPhoto(file as Blob, (file as File).name)
      .then((stored) => onSuccess?.(stored))
      .catch((e: unknown) => onError?.(new Error(errorText(e))));
  };

  return (
    <div data-testid={testId}>
      <Upload
        accept="image/*"
        listType="picture-card"
        multiple
        fileList={files}
        customRequest={customRequest}
        onChange={({ fileList }) =>
          emit(fileList.map((f) => (f.status === 'done' && f.response ? { ...f, url: fileUrl((f.response as { sha256: string }).sha256) } : f)))
        }
        maxCount={max}
      >
        {files.length < max && (
          <button type="button" style={{ border: 0, background: 'none', cursor: 'pointer' }}>
            <PlusOutlined />
            <div style={{ marginTop: 8 }}>{t('cases.photoAdd')}</div>
          </button>
        )}
      </Upload>
    </div>
  );
}
