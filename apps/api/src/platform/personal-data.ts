import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Field protection for personal data (DESIGN §7): AES-256-GCM ciphertext with the key id in
 * front (`v1.<keyId>.<base64url(iv|tag|ciphertext)>`) so keys can rotate, and a keyed hash
 * (HMAC-SHA256) beside it for exact lookup without decrypting.
 */
export interface PersonalDataCipher {
  encrypt(plain: string): string
  decrypt(stored: string): string
  /** Keyed hash of a normalised value, for `where phone_hash = $1`. */
  lookupHash(plain: string): string
}

interface Key {
  id: string
  enc: Buffer
  mac: Buffer
}

function deriveKey(secret: string): Key {
  const ikm = Buffer.from(secret, 'utf8')
  const enc = Buffer.from(hkdfSync('sha256', ikm, 'civicgrid', 'pii-encryption-v1', 32))
  const mac = Buffer.from(hkdfSync('sha256', ikm, 'civicgrid', 'pii-lookup-v1', 32))
  const id = createHash('sha256').update(enc).digest('hex').slice(0, 8)
  return { id, enc, mac }
}

/** Normalise before hashing so '138 0013 8000' and '13800138000' match. */
export function normalisePersonalValue(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase()
}

export function createPersonalDataCipher(secretKey: string, previousKeys: string[] = []): PersonalDataCipher {
  const current = deriveKey(secretKey)
  const keys = new Map([current, ...previousKeys.map(deriveKey)].map((k) => [k.id, k]))
  return {
    encrypt(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current.enc, iv)
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return `v1.${current.id}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`
    },
    decrypt(stored) {
      const [version, keyId, body] = stored.split('.')
      const key = keyId ? keys.get(keyId) : undefined
      if (version !== 'v1' || !key || !body) throw new Error('Unknown personal data key or format')
      const raw = Buffer.from(body, 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', key.enc, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    },
    // The lookup hash always uses the current key: rotating SECRET_KEY means re-hashing (see docs/OPERATIONS.md).
    lookupHash(plain) {
      return createHmac('sha256', current.mac).update(normalisePersonalValue(plain)).digest('hex')
    },
  }
}

/** 13800138000 → 138****8000 (first 3, last 4). */
export function maskPhone(phone: string): string {
  const p = phone.replace(/[\s-]/g, '')
  if (p.length < 8) return '*'.repeat(p.length)
  return p.slice(0, 3) + '*'.repeat(p.length - 7) + p.slice(-4)
}

/** 110101199003071234 → 110***********1234 (first 3, last 4). */
export function maskIdNumber(id: string): string {
  const v = id.replace(/\s/g, '')
  if (v.length < 8) return '*'.repeat(v.length)
  return v.slice(0, 3) + '*'.repeat(v.length - 7) + v.slice(-4)
}

/** 张三 → 张*, 欧阳娜娜 → 欧***; Latin names keep the first letter: Alice → A****. */
export function maskName(name: string): string {
  const chars = [...name.trim()]
  if (chars.length <= 1) return chars.join('')
  return chars[0] + '*'.repeat(chars.length - 1)
}
