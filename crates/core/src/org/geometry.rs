//! Parsing GeoJSON areas (Polygon / MultiPolygon, WGS-84) into `geo` types.

use geo::{BoundingRect, MultiPolygon, Rect};

use crate::Coded;

/// A parsed area with its bounding box for quick rejection.
#[derive(Debug, Clone)]
pub struct Area {
    pub shape: MultiPolygon<f64>,
    pub bbox: Rect<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeometryError {
    #[error("geometry is not valid GeoJSON")]
    NotGeoJson,
    #[error("geometry must be a Polygon or MultiPolygon")]
    NotAnArea,
    #[error("coordinates must be WGS-84 longitude/latitude")]
    OutOfRange,
    #[error("polygon ring must have at least 4 positions")]
    Degenerate,
}

impl Coded for GeometryError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotGeoJson => "GEOMETRY_INVALID",
            Self::NotAnArea => "GEOMETRY_NOT_AREA",
            Self::OutOfRange => "GEOMETRY_OUT_OF_RANGE",
            Self::Degenerate => "GEOMETRY_DEGENERATE",
        }
    }
}

/// Parses a GeoJSON geometry (or a Feature wrapping one) into an [`Area`].
pub fn parse_area(json: &str) -> Result<Area, GeometryError> {
    let gj: geojson::GeoJson = json.parse().map_err(|_| GeometryError::NotGeoJson)?;
    let geom = match gj {
        geojson::GeoJson::Geometry(g) => g,
        geojson::GeoJson::Feature(f) => f.geometry.ok_or(GeometryError::NotAnArea)?,
        geojson::GeoJson::FeatureCollection(_) => return Err(GeometryError::NotAnArea),
    };
    let rings: Vec<&Vec<Vec<Vec<f64>>>> = match &geom.value {
        geojson::Value::Polygon(p) => vec![p],
        geojson::Value::MultiPolygon(mp) => mp.iter().collect(),
        _ => return Err(GeometryError::NotAnArea),
    };
    for poly in &rings {
        for ring in poly.iter() {
            if ring.len() < 4 {
                return Err(GeometryError::Degenerate);
            }
            for pos in ring {
                let (lng, lat) = (
                    pos.first().copied().unwrap_or(f64::NAN),
                    pos.get(1).copied().unwrap_or(f64::NAN),
                );
                if !(-180.0..=180.0).contains(&lng) || !(-90.0..=90.0).contains(&lat) {
                    return Err(GeometryError::OutOfRange);
                }
            }
        }
    }
    let shape: MultiPolygon<f64> = match geom.value {
        geojson::Value::Polygon(_) => {
            let p: geo::Polygon<f64> = geom
                .value
                .try_into()
                .map_err(|_| GeometryError::NotGeoJson)?;
            MultiPolygon(vec![p])
        }
        _ => geom
            .value
            .try_into()
            .map_err(|_| GeometryError::NotGeoJson)?,
    };
    let bbox = shape.bounding_rect().ok_or(GeometryError::Degenerate)?;
    Ok(Area { shape, bbox })
}

/// A GeoJSON Point geometry for a position.
pub fn point_geojson(lng: f64, lat: f64) -> String {
    format!(r#"{{"type":"Point","coordinates":[{lng},{lat}]}}"#)
}

/// Great-circle distance in metres between two (lng, lat) points — `geo`'s haversine on
/// the GRS80 mean radius: exact enough within a district.
pub fn distance_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    use geo::{Distance, Haversine, Point};
    Haversine.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_polygon_and_rejects_others() {
        let sq = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;
        let a = parse_area(sq).unwrap();
        assert_eq!(a.bbox.max().x, 1.0);
        assert_eq!(
            parse_area(r#"{"type":"Point","coordinates":[0,0]}"#).unwrap_err(),
            GeometryError::NotAnArea
        );
        assert_eq!(parse_area("nope").unwrap_err(), GeometryError::NotGeoJson);
        let far = r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}"#;
        assert_eq!(parse_area(far).unwrap_err(), GeometryError::OutOfRange);
        let tiny = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#;
        assert_eq!(parse_area(tiny).unwrap_err(), GeometryError::Degenerate);
    }
}
