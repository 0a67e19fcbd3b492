import { Flex, Tag } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../lib/types';

/** Role id → label in the UI language; an unknown role (newer server) shows its raw id. */
export function roleLabel(t: TFunction, role: string): string {
  return (ROLES as readonly string[]).includes(role) ? t(`roles.${role as Role}`) : role;
}

export function RoleTags({ roles }: { roles: readonly string[] }) {
  const { t } = useTranslation();
  return (
    <Flex wrap gap={4}>
      {roles.map((r) => (
        <Tag key={r} color={r === 'admin' ? 'red' : 'blue'} style={{ marginInlineEnd: 0 }}>
          {roleLabel(t, r)}
        </Tag>
      ))}
    </Flex>
  );
}

const LEVELS = ['city', 'district', 'street', 'community', 'grid'] as const;

export function ScopeTags({ scopes }: { scopes: readonly { regionCode: string; regionLevel?: string }[] }) {
  const { t } = useTranslation();
  return (
    <Flex wrap gap={4}>
      {scopes.map((s) => {
        const level = LEVELS.find((l) => l === s.regionLevel);
        return (
          <Tag key={s.regionCode} style={{ marginInlineEnd: 0 }}>
            {level ? `${t(`regionLevels.${level}`)} ` : ''}
            {s.regionCode}
          </Tag>
        );
      })}
    </Flex>
  );
}
