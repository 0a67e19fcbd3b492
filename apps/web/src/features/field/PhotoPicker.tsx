import { CameraOutlined, CloseOutlined } from '@ant-design/icons';
import { Button, Flex } from 'antd';
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The phone camera (`capture="environment"` opens the rear camera; desktops get a file picker).
 * Photos stay as local Files until the outbox uploads them, so taking one works offline.
 */
export function PhotoPicker({ files, onChange, max = 9, testId }: { files: File[]; onChange: (f: File[]) => void; max?: number; testId: string }) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const urls = useMemo(() => files.map((f) => URL.createObjectURL(f)), [files]);
  useEffect(() => () => urls.forEach((u) => URL.revokeObjectURL(u)), [urls]);
  return (
    <Flex vertical gap={8}>
      <input
        ref={input}
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        // `hidden` alone loses to antd's form styles for file inputs.
        style={{ display: 'none' }}
        data-testid={testId}
        onChange={(e) => {
          const picked = [...(e.target.files ?? [])].filter((f) => f.type.startsWith('image/') || f.type === '');
          onChange([...files, ...picked].slice(0, max));
          e.target.value = '';
        }}
      />
      <Button size="large" block icon={<CameraOutlined />} onClick={() => input.current?.click()} disabled={files.length >= max} style={{ height: 56 }}>
        {files.length ? t('field.morePhotos', { count: files.length }) : t('field.takePhoto')}
      </Button>
      {files.length > 0 && (
        <Flex wrap gap={8} data-testid={`${testId}-previews`}>
          {urls.map((u, i) => (
            <div key={u} style={{ position: 'relative', width: 80, height: 80 }}>
              <img src={u} alt="" style={{ width: 80, height: 80, objectFit: 'cover', borderRadius: 6 }} />
              <Button
                size="small"
                shape="circle"
                icon={<CloseOutlined />}
                aria-label={t('field.removePhoto')}
                style={{ position: 'absolute', top: -8, right: -8 }}
                onClick={() => onChange(files.filter((_, j) => j !== i))}
              />
            </div>
          ))}
        </Flex>
      )}
    </Flex>
  );
}
