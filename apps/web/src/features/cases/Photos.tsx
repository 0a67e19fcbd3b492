import { Flex, Image } from 'antd';
import { fileUrl } from './caseApi';

/** Photo thumbnails from the file store, with a click-to-enlarge preview. */
export function Photos({ shas, size = 96 }: { shas: readonly string[]; size?: number }) {
  if (!shas.length) return null;
  return (
    <Image.PreviewGroup>
      <Flex wrap gap={8}>
        {shas.map((sha) => (
          <Image key={sha} src={fileUrl(sha)} width={size} height={size} style={{ objectFit: 'cover', borderRadius: 4 }} alt="" data-photo={sha} />
        ))}
      </Flex>
    </Image.PreviewGroup>
  );
}
