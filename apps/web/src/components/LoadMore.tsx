import { Button, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** Cursor lists have no page count, so they grow with "load more" instead of numbered pages. */
export function LoadMore({ hasMore, loading, count, onLoadMore }: { hasMore: boolean; loading: boolean; count: number; onLoadMore: () => void }) {
  const { t } = useTranslation();
  if (!count) return null;
  return (
    <Flex justify="center" style={{ marginTop: 16 }}>
      {hasMore ? (
        <Button onClick={onLoadMore} loading={loading}>
          {t('common.loadMore')}
        </Button>
      ) : (
        <Typography.Text type="secondary">{t('common.noMore')}</Typography.Text>
      )}
    </Flex>
  );
}
