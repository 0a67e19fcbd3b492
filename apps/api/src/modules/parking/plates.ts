/**
 * Mainland China licence plates (GA 36-2018), pure. See research/parking.md §6.
 *
 * - 31 province abbreviations as the first character, an issuing-authority letter, a serial;
 * - regular plates (blue, yellow, black): 7 characters, serial of 5 from A–Z minus I and O, 0–9;
 * - new-energy plates (green, yellow-green for large): 8 characters — small `沪AD12345`
 *   (D/F, or the newer A B C E G H J K, then a letter or digit, then four digits), large
 *   `甘G23459F` (five digits, then D/F…);
 * - LPR input is repaired: full-width → half-width, upper case, separators dropped, O→0 and
 *   I→1 in serial positions (the real alphabet has no I or O there);
 * - special plates (police 警, embassy 使, consulate 领, learner 学, trailer 挂, Hong Kong/Macau
 *   港/澳, emergency 应急, armed police WJ, unplated 无牌) are not judged automatically: they go to
 *   the manual path.
 */

export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼'
export const PLATE_COLOURS = ['blue', 'yellow', 'green', 'yellowGreen', 'black', 'white', 'unknown'] as const
export type PlateColour = (typeof PLATE_COLOURS)[number]
export type PlateKind = 'regular' | 'nevSmall' | 'nevLarge'

const SERIAL = 'A-HJ-NP-Z0-9' // no I, no O
const NEV_STRICT = 'DF'
const NEV_LETTERS = 'DABCEFGHJK'
const REGULAR = new RegExp(`^[${PROVINCES}][A-Z][${SERIAL}]{5}$`)
const NEV_SMALL = new RegExp(`^[${PROVINCES}][A-Z][${NEV_LETTERS}][${SERIAL}][0-9]{4}$`)
const NEV_LARGE = new RegExp(`^[${PROVINCES}][A-Z][0-9]{5}[${NEV_LETTERS}]$`)
const SPECIAL_SUFFIX = /(警|领|学|挂|港|澳|应急|试|超)$/
const SERIAL_REPAIRS: Record<string, string> = { O: '0', I: '1' }
const UNPLATED = /^(无|未识别|无车牌|无牌|NOPLATE|UNKNOWN|-+)$/

export type ParsedPlate =
  | {
      status: 'valid'
      plate: string
      kind: PlateKind
      /** The colour given by the camera, or the one the format implies when unknown. */
      colour: PlateColour
      /** New-energy (green) plate: may use EV-charging spaces. */
      newEnergy: boolean
      /** Yellow or yellow-green: a large vehicle, needs a large space. */
      large: boolean
      /** Serial letters as issued under GA 36-2018 (D/F); false for the newer letters. */
      nevStrict: boolean
      /** Repairs made: 'O→0', 'I→1'. */
      repairs: string[]
      /** The colour does not fit the format (e.g. 8 characters read as blue). */
      colourMismatch: boolean
    }
  | { status: 'manual'; plate: string; reason: 'special' | 'unplated'; detail: string }
  | { status: 'invalid'; plate: string; reason: string }

/** Full-width → half-width, upper case, separators (spaces, ·, -, .) dropped. */
export function normalisePlate(raw: string): string {
  return raw.normalize('NFKC').toUpperCase().replace(/[\s·•・.\-_]/g, '')
}

/** Replace O with 0 and I with 1 after the first two characters (province + authority letter). */
function repairSerial(plate: string): { plate: string; repairs: string[] } {
  const chars = [...plate]
  const repairs = new Set<string>()
  for (let i = 2; i < chars.length; i++) {
    const fix = SERIAL_REPAIRS[chars[i]!]
    if (fix) {
      chars[i] = fix
      repairs.add(`${[...plate][i]}→${fix}`)
    }
  }
  return { plate: chars.join(''), repairs: [...repairs] }
}

export function parsePlate(raw: string, colour: PlateColour = 'unknown'): ParsedPlate {
  const normal = normalisePlate(raw)
  if (normal === '' || UNPLATED.test(normal)) return { status: 'manual', plate: normal, reason: 'unplated', detail: 'no plate read' }
  if (normal.startsWith('使') || normal.endsWith('使')) return { status: 'manual', plate: normal, reason: 'special', detail: 'embassy plate (使)' }
  if (normal.startsWith('WJ')) return { status: 'manual', plate: normal, reason: 'special', detail: 'armed police plate (WJ)' }
  const suffix = SPECIAL_SUFFIX.exec(normal)
  if (suffix) return { status: 'manual', plate: normal, reason: 'special', detail: `special plate (${suffix[1]})` }
  if (colour === 'white') return { status: 'manual', plate: normal, reason: 'special', detail: 'white plate (police or military)' }

  const first = [...normal][0]!
  if (!PROVINCES.includes(first)) {
    return { status: 'invalid', plate: normal, reason: /\p{Script=Han}/u.test(first) ? `"${first}" is not a province abbreviation` : 'a plate starts with a province abbreviation' }
  }
  const length = [...normal].length
  if (length !== 7 && length !== 8) return { status: 'invalid', plate: normal, reason: `a plate has 7 (regular) or 8 (new-energy) characters, not ${length}` }
  if (!/^[A-Z]$/.test([...normal][1]!)) return { status: 'invalid', plate: normal, reason: 'the second character is the issuing authority letter A–Z' }

  const { plate, repairs } = repairSerial(normal)
  let kind: PlateKind
  if (length === 7 && REGULAR.test(plate)) kind = 'regular'
  else if (length === 8 && NEV_SMALL.test(plate)) kind = 'nevSmall'
  else if (length === 8 && NEV_LARGE.test(plate)) kind = 'nevLarge'
  else {
    return {
      status: 'invalid',
      plate,
      reason: length === 7 ? 'the serial has 5 characters from A–Z (no I or O) and 0–9' : 'a new-energy serial is D/F + letter or digit + 4 digits, or 5 digits + D/F',
    }
  }
  const nev = kind !== 'regular'
  const implied: PlateColour = kind === 'regular' ? 'blue' : kind === 'nevSmall' ? 'green' : 'yellowGreen'
  const fits = kind === 'regular' ? ['blue', 'yellow', 'black'].includes(colour) : ['green', 'yellowGreen'].includes(colour)
  const effective = colour === 'unknown' ? implied : colour
  const serialLetter = kind === 'nevSmall' ? [...plate][2]! : kind === 'nevLarge' ? [...plate][7]! : ''
  return {
    status: 'valid',
    plate,
    kind,
    colour: effective,
    newEnergy: nev,
    large: effective === 'yellow' || effective === 'yellowGreen',
    nevStrict: !nev || NEV_STRICT.includes(serialLetter),
    repairs,
    colourMismatch: colour !== 'unknown' && !fits,
  }
}

/**
 * Two readings that differ only in the first (province) character — the most common LPR
 * error. Used to match a reservation with a tolerated misread, always flagged for review.
 */
export function sameExceptProvince(a: string, b: string): boolean {
  const x = [...a]
  const y = [...b]
  return x.length === y.length && x.length >= 7 && x[0] !== y[0] && x.slice(1).join('') === y.slice(1).join('')
}

/** The plate without its province character: the key for misread matching. */
export const plateTail = (plate: string) => [...plate].slice(1).join('')
