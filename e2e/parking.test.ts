import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TERRITORY } from '../apps/api/src/testing/territory.js'
import { importTestTerritory, signIn, type ApiClient } from './journey-kit.js'
import { ADMIN_PASSWORD, startJourney, type Journey, type JourneyPage } from './support.js'

const PASSWORD = 'journey-pass-2026'
const WAIT = { timeout: 30_000 }
const PHONE = { width: 390, height: 844 }
const U = { op: 'park.op', owner: 'owner.li', driver: 'driver.wu' } as const
type Who = keyof typeof U
const PLATE = '苏A12345'


/**
 * Shared parking on a phone: an operator has registered a resident's private space; the owner
 * publishes it (every day, all day, 8 元/h) in the resident pages; another resident finds the lot
 * near them, sees the quote and books the space; the plate camera (the API, with the operator's
 * session as the gate client) lets the car in and out; the driver sees the fee on the booking and
 * the owner sees the earnings; the operator's console lists the closed stay.
 */
describe('journey: share a private space, book it, drive in and out, fee and earnings', () => {
  let j: Journey
  let admin: ApiClient
  let op: ApiClient
  let driverApi: ApiClient
  let ownerApi: ApiClient
  const ids: Record<string, string> = {}
  let lotId = ''
  const people: Record<string, JourneyPage> = {}

  before(async () => {
    j = await startJourney()
    admin = await signIn(j.url, 'admin', ADMIN_PASSWORD)
    await importTestTerritory(j.url, admin)
    const users: [Who, string, string[], Record<string, unknown>][] = [
      ['op', '停车运营员小周', ['parkingOperator'], { scopes: [{ regionCode: TERRITORY.streetA }] }],
      ['owner', '业主老李', ['resident'], {}],
      ['driver', '访客小吴', ['resident'], {}],
    ]
    for (const [who, displayName, roles, extra] of users) {
      const r = await admin.call('POST', '/users', { username: U[who], displayName, password: PASSWORD, roles, ...extra })
      assert.equal(r.status, 201, JSON.stringify(r.body))
      ids[who] = r.body.id
    }
    op = await signIn(j.url, U.op, PASSWORD)
    driverApi = await signIn(j.url, U.driver, PASSWORD)
    ownerApi = await signIn(j.url, U.owner, PASSWORD)
    const lot = await op.call('POST', '/parking/lots', {
      name: '测试小区地面停车场',
      type: 'community',
      location: TERRITORY.inA1,
      capacity: 20,
      gates: [
        { code: 'E1', name: '东门入口', direction: 'entry' },
        { code: 'X1', name: '东门出口', direction: 'exit' },
      ],
    })
    assert.equal(lot.status, 201, JSON.stringify(lot.body))
    lotId = lot.body.id
    const spaces = await op.call('POST', `/parking/lots/${lotId}/spaces`, {
      spaces: [{ code: 'A01' }, { code: 'A02' }, { code: 'P1', ownerId: ids.owner, level: 'B1' }],
    })
    assert.equal(spaces.status, 201, JSON.stringify(spaces.body))
  })
  after(async () => {
    for (const p of Object.values(people)) await p.context.close().catch(() => undefined)
    await j?.close()
  })

  async function phone(who: Who) {
    people[who] = await j.signedInPage(U[who], PASSWORD, {
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: { longitude: TERRITORY.inA1.lng + 0.001, latitude: TERRITORY.inA1.lat, accuracy: 10 },
      permissions: ['geolocation'],
    })
    return people[who].page
  }

  test('the owner publishes the space, the driver books it, the gate lets the car in and out, fee and earnings appear', async () => {
    // 1. The owner shares P1: every day, 00:00–24:00, 8 元 an hour.
    const owner = await phone('owner')
    await owner.goto(`${j.url}/parking/m?tab=share`)
    const card = owner.getByTestId('parking-my-space-P1')
    await card.waitFor(WAIT)
    const unchecked = card.locator('.ant-checkbox-wrapper:not(.ant-checkbox-wrapper-checked)')
    while ((await unchecked.count()) > 0) await unchecked.first().click()
    await owner.getByTestId('parking-share-start').fill('00:00')
    await owner.getByTestId('parking-share-end').fill('24:00')
    await owner.getByTestId('parking-share-price').fill('8')
    await owner.getByTestId('parking-share-publish').click()
    await card.getByText('共享中').waitFor(WAIT)
    await j.screenshot(owner, 'parking-1-owner-shares')
    const mine = await ownerApi.call('GET', '/parking/me/spaces')
    assert.equal(mine.body.items[0].pricePerHourFen, 800)
    assert.equal(mine.body.items[0].availability.weekly.length, 7)

    // 2. Another resident finds the lot near them, picks the shared space, sees the quote, books.
    const driver = await phone('driver')
    await driver.goto(`${j.url}/parking/m`)
    const lotRow = driver.getByTestId('parking-lot').filter({ hasText: '测试小区地面停车场' })
    await lotRow.waitFor(WAIT)
    assert.match(await lotRow.innerText(), /\d+ 米/)
    await lotRow.click()
    await driver.locator('label', { hasText: '共享车位 P1' }).click()
    await driver.getByTestId('parking-plate').fill(PLATE)
    const quote = driver.getByTestId('parking-quote')
    await quote.waitFor(WAIT)
    const quoteText = await quote.innerText()
    assert.match(quoteText, /预计费用 ¥8\.00/)
    await j.screenshot(driver, 'parking-2-driver-quote')
    await driver.getByTestId('parking-book').click()
    const pass = driver.getByTestId('parking-pass')
    await pass.waitFor(WAIT)
    assert.match(await pass.innerText(), /苏A12345/)
    await j.screenshot(driver, 'parking-3-driver-pass')
    const booked = (await driverApi.call('GET', '/parking/reservations')).body.items[0]
    assert.equal(booked.status, 'booked')
    assert.equal(booked.spaceCode, 'P1')
    assert.equal(booked.quoteFen, 800)

    // 3. The plate camera: in now, out a minute after the booked start.
    const now = Date.now()
    const entry = await op.call('POST', '/parking/gate-events', {
      lotId, gate: 'E1', direction: 'entry', plate: PLATE, plateColour: 'blue', confidence: 0.96, occurredAt: new Date(now).toISOString(), cameraEventId: 'cam-e1-0001',
    })
    assert.equal(entry.status, 200, JSON.stringify(entry.body))
    assert.equal(entry.body.action, 'open')
    assert.equal(entry.body.reason, 'reservation')
    assert.equal(entry.body.reservationId, booked.id)
    const exitAt = Math.max(now, Date.parse(booked.start)) + 60_000
    const exit = await op.call('POST', '/parking/gate-events', {
      lotId, gate: 'X1', direction: 'exit', plate: PLATE, plateColour: 'blue', confidence: 0.95, occurredAt: new Date(exitAt).toISOString(), cameraEventId: 'cam-x1-0001',
    })
    assert.equal(exit.status, 200, JSON.stringify(exit.body))
    assert.equal(exit.body.action, 'open')
    assert.equal(exit.body.feeFen, 800, 'a stay inside the booked window costs exactly the quote')

    // 4. The driver's booking is completed with its fee.
    await driver.getByTestId('parking-bookings-refresh').click()
    const done = driver.getByTestId('parking-booking').filter({ hasText: 'P1' })
    await done.and(driver.locator('[data-status="completed"]')).waitFor(WAIT)
    assert.match(await done.getByTestId('parking-booking-fee').innerText(), /¥8\.00/)
    await j.screenshot(driver, 'parking-4-driver-completed')

    // 5. The owner's earnings: the owner's share of the fee (platform 5 %, community 5 %).
    const earnings = await ownerApi.call('GET', `/parking/me/earnings?from=${encodeURIComponent(new Date(now - 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(now + 86_400_000).toISOString())}`)
    assert.equal(earnings.status, 200, JSON.stringify(earnings.body))
    assert.equal(earnings.body.ownerFen, 720)
    await owner.getByTestId('parking-tab-earnings').click()
    const total = owner.getByTestId('parking-earnings-total')
    await total.waitFor(WAIT)
    await owner.getByTestId('parking-earnings-total').getByText('7.20').waitFor(WAIT)
    assert.match(await total.innerText(), /7\.20/)
    assert.match(await owner.getByTestId('parking-space-booking').first().innerText(), /苏A1\*+5/, 'the owner sees the plate masked')
    await j.screenshot(owner, 'parking-5-owner-earnings')

    // 6. The operator's console lists the closed stay with its fee and the lot's occupancy.
    people.op = await j.signedInPage(U.op, PASSWORD, { timezoneId: 'Asia/Shanghai' })
    const opPage = people.op.page
    await opPage.goto(`${j.url}/parking`)
    const stay = opPage.locator('tr', { hasText: PLATE })
    await stay.waitFor(WAIT)
    assert.match(await stay.innerText(), /已离场[\s\S]*¥8\.00/)
    await j.screenshot(opPage, 'parking-6-console')

    for (const p of Object.values(people)) assert.deepEqual(p.errors, [])
  })
})
