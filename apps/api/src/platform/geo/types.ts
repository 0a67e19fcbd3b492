/** GeoJSON coordinate types (RFC 7946), longitude first. Everything stored is WGS84. */
export type Position = [number, number]
export type Ring = Position[]
export type PolygonCoords = Ring[]
export type MultiPolygonCoords = PolygonCoords[]

export interface PolygonGeometry {
  type: 'Polygon'
  coordinates: PolygonCoords
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: MultiPolygonCoords
}
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry

export interface LineStringGeometry {
  type: 'LineString'
  coordinates: Position[]
}
export interface MultiLineStringGeometry {
  type: 'MultiLineString'
  coordinates: Position[][]
}

/** [minLng, minLat, maxLng, maxLat] */
export type BBox = [number, number, number, number]

/** The polygons of a Polygon or MultiPolygon, as a list. */
export const polygonsOf = (g: AreaGeometry): PolygonCoords[] => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates)

/** The smallest geometry for a list of polygons: a Polygon for one, a MultiPolygon otherwise. */
export const toAreaGeometry = (polys: PolygonCoords[]): AreaGeometry =>
  polys.length === 1 ? { type: 'Polygon', coordinates: polys[0]! } : { type: 'MultiPolygon', coordinates: polys }
