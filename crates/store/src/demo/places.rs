//! The London Borough of Lambeth as the demo knows it: its 25 wards (the
//! boundaries in force since the May 2022 elections), real venues where
//! events could be held, and estates, parks and streets that projects name.
//! The places are real; everything that happens in them is made up.

/// A ward and the name local people use for the area around it.
pub struct WardSpec {
    pub name: &'static str,
    pub area: &'static str,
}

pub const WARDS: [WardSpec; 25] = [
    ward("Brixton Acre Lane", "Brixton"),
    ward("Brixton North", "Brixton"),
    ward("Brixton Rush Common", "Brixton Hill"),
    ward("Brixton Windrush", "Brixton"),
    ward("Clapham Common & Abbeville", "Clapham"),
    ward("Clapham East", "Clapham"),
    ward("Clapham Park", "Clapham Park"),
    ward("Clapham Town", "Clapham"),
    ward("Gipsy Hill", "Gipsy Hill"),
    ward("Herne Hill & Loughborough Junction", "Herne Hill"),
    ward("Kennington", "Kennington"),
    ward("Knight's Hill", "West Norwood"),
    ward("Myatt's Field", "Camberwell"),
    ward("Oval", "Oval"),
    ward("St Martin's", "Tulse Hill"),
    ward("Stockwell East", "Stockwell"),
    ward("Stockwell West & Larkhall", "Stockwell"),
    ward("Streatham Common & Vale", "Streatham"),
    ward("Streatham Hill East", "Streatham Hill"),
    ward("Streatham Hill West & Thornton", "Streatham Hill"),
    ward("Streatham St Leonard's", "Streatham"),
    ward("Streatham Wells", "Streatham"),
    ward("Vauxhall", "Vauxhall"),
    ward("Waterloo & South Bank", "Waterloo"),
    ward("West Dulwich", "West Dulwich"),
];

const fn ward(name: &'static str, area: &'static str) -> WardSpec {
    WardSpec { name, area }
}

/// The position of a ward in `WARDS`; ward ids are this plus one.
pub fn ward_index(name: &str) -> Option<usize> {
    WARDS.iter().position(|w| w.name == name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VenueKind {
    Library,
    /// A hall, community centre or council building: fine for any event.
    Hall,
    /// A park, farm or garden: good for make days in the warmer months.
    Outdoor,
    /// Council offices, where the staff learning set meets.
    Civic,
}

pub struct Venue {
    pub name: &'static str,
    pub ward: &'static str,
    pub kind: VenueKind,
    /// Where to put the pin, in millionths of a degree: close enough to
    /// find the door from the map, not a surveyed point.
    pub point: (i64, i64),
}

const fn venue(
    name: &'static str,
    ward: &'static str,
    kind: VenueKind,
    point: (i64, i64),
) -> Venue {
    Venue {
        name,
        ward,
        kind,
        point,
    }
}

pub const VENUES: &[Venue] = &[
    venue(
        "Brixton Library, Brixton Oval",
        "Brixton Windrush",
        VenueKind::Library,
        (51_461_400, -115_600),
    ),
    venue(
        "Clapham Library, Mary Seacole Centre",
        "Clapham Town",
        VenueKind::Library,
        (51_463_800, -132_500),
    ),
    venue(
        "Streatham Library, Streatham High Road",
        "Streatham St Leonard's",
        VenueKind::Library,
        (51_427_800, -130_400),
    ),
    venue(
        "Tate South Lambeth Library, South Lambeth Road",
        "Vauxhall",
        VenueKind::Library,
        (51_478_700, -123_300),
    ),
    venue(
        "Durning Library, Kennington Lane",
        "Kennington",
        VenueKind::Library,
        (51_488_500, -111_300),
    ),
    venue(
        "Minet Library, Knatchbull Road",
        "Myatt's Field",
        VenueKind::Library,
        (51_472_700, -101_000),
    ),
    venue(
        "West Norwood Library, Norwood High Street",
        "Knight's Hill",
        VenueKind::Library,
        (51_431_800, -103_500),
    ),
    venue(
        "Carnegie Library, Herne Hill Road",
        "Herne Hill & Loughborough Junction",
        VenueKind::Library,
        (51_459_200, -95_500),
    ),
    venue(
        "Waterloo Library, Lower Marsh",
        "Waterloo & South Bank",
        VenueKind::Library,
        (51_499_800, -112_800),
    ),
    venue(
        "Upper Norwood Library Hub, Westow Hill",
        "Gipsy Hill",
        VenueKind::Library,
        (51_419_000, -84_300),
    ),
    venue(
        "Lambeth Town Hall, Acre Lane",
        "Brixton Acre Lane",
        VenueKind::Civic,
        (51_460_600, -117_900),
    ),
    venue(
        "Lambeth Civic Centre, Brixton Hill",
        "Brixton Acre Lane",
        VenueKind::Civic,
        (51_459_700, -117_700),
    ),
    venue(
        "Angell Town Community Centre",
        "Brixton North",
        VenueKind::Hall,
        (51_470_500, -112_500),
    ),
    venue(
        "Loughborough Junction community hall, Loughborough Road",
        "Herne Hill & Loughborough Junction",
        VenueKind::Hall,
        (51_467_700, -105_000),
    ),
    venue(
        "Stockwell Park community centre, Stockwell Road",
        "Stockwell East",
        VenueKind::Hall,
        (51_470_000, -116_000),
    ),
    venue(
        "Larkhall community rooms, Larkhall Lane",
        "Stockwell West & Larkhall",
        VenueKind::Hall,
        (51_472_500, -132_500),
    ),
    venue(
        "Clapham Park community centre, Kings Avenue",
        "Clapham Park",
        VenueKind::Hall,
        (51_449_000, -129_000),
    ),
    venue(
        "Abbeville community room, Abbeville Road",
        "Clapham Common & Abbeville",
        VenueKind::Hall,
        (51_454_500, -144_000),
    ),
    venue(
        "Landor Road tenants' hall",
        "Clapham East",
        VenueKind::Hall,
        (51_467_000, -124_000),
    ),
    venue(
        "Oval community hall, Kennington Oval",
        "Oval",
        VenueKind::Hall,
        (51_483_000, -115_000),
    ),
    venue(
        "Tulse Hill Estate community hall",
        "Brixton Rush Common",
        VenueKind::Hall,
        (51_451_200, -114_800),
    ),
    venue(
        "St Martin's community rooms, Palace Road",
        "St Martin's",
        VenueKind::Hall,
        (51_442_000, -118_000),
    ),
    venue(
        "Streatham Hill community hall, Leigham Court Road",
        "Streatham Hill East",
        VenueKind::Hall,
        (51_434_000, -124_000),
    ),
    venue(
        "Thornton community rooms, Christchurch Road",
        "Streatham Hill West & Thornton",
        VenueKind::Hall,
        (51_440_000, -123_000),
    ),
    venue(
        "Streatham Vale community centre, Streatham Vale",
        "Streatham Common & Vale",
        VenueKind::Hall,
        (51_415_000, -138_000),
    ),
    venue(
        "Wellfield Road community room",
        "Streatham Wells",
        VenueKind::Hall,
        (51_427_500, -122_500),
    ),
    venue(
        "West Dulwich community hall, Thurlow Park Road",
        "West Dulwich",
        VenueKind::Hall,
        (51_440_500, -98_500),
    ),
    venue(
        "Oasis Hub Waterloo, Kennington Road",
        "Waterloo & South Bank",
        VenueKind::Hall,
        (51_498_500, -111_700),
    ),
    venue(
        "Kennington Park community hub",
        "Kennington",
        VenueKind::Hall,
        (51_484_000, -106_000),
    ),
    venue(
        "Vauxhall City Farm, Tyers Street",
        "Vauxhall",
        VenueKind::Outdoor,
        (51_486_400, -118_800),
    ),
    venue(
        "Brockwell Park Community Greenhouses",
        "Herne Hill & Loughborough Junction",
        VenueKind::Outdoor,
        (51_454_000, -104_000),
    ),
    venue(
        "Myatt's Fields Park, Cormont Road",
        "Myatt's Field",
        VenueKind::Outdoor,
        (51_473_500, -100_000),
    ),
    venue(
        "Streatham Common, the Rookery gate",
        "Streatham Common & Vale",
        VenueKind::Outdoor,
        (51_420_000, -118_000),
    ),
    venue(
        "Norwood Park, Elder Road",
        "Knight's Hill",
        VenueKind::Outdoor,
        (51_427_000, -100_000),
    ),
];

impl Venue {
    /// The name without its street: "Brixton Library".
    pub fn short(&self) -> &'static str {
        self.name.split(',').next().unwrap_or(self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Estate,
    Park,
    Street,
}

/// A place a project is named after. `at` is how a title says where:
/// "on the Loughborough Estate", "in Brockwell Park", "on Acre Lane".
pub struct Place {
    pub at: &'static str,
    pub ward: &'static str,
    pub kind: PlaceKind,
}

const fn estate(at: &'static str, ward: &'static str) -> Place {
    Place {
        at,
        ward,
        kind: PlaceKind::Estate,
    }
}

const fn park(at: &'static str, ward: &'static str) -> Place {
    Place {
        at,
        ward,
        kind: PlaceKind::Park,
    }
}

const fn street(at: &'static str, ward: &'static str) -> Place {
    Place {
        at,
        ward,
        kind: PlaceKind::Street,
    }
}

pub const PLACES: &[Place] = &[
    estate("on the Loughborough Estate", "Brixton North"),
    estate("in Angell Town", "Brixton North"),
    estate("on the Stockwell Park Estate", "Stockwell East"),
    estate("on the Cowley Estate", "Oval"),
    estate("on the Tulse Hill Estate", "Brixton Rush Common"),
    estate("on the Central Hill Estate", "Gipsy Hill"),
    estate("at Cressingham Gardens", "Brixton Rush Common"),
    estate("on the Clapham Park Estate", "Clapham Park"),
    estate("at Lansdowne Green", "Stockwell West & Larkhall"),
    estate("on the Ethelred Estate", "Kennington"),
    estate("at Cotton Gardens", "Kennington"),
    estate("on the Mursell Estate", "Stockwell West & Larkhall"),
    estate("at Myatts Field North", "Myatt's Field"),
    estate("on the Fenwick Estate", "Clapham East"),
    estate("at Blenheim Gardens", "Brixton Acre Lane"),
    estate("on the Roupell Park Estate", "St Martin's"),
    estate("on the Woodvale Estate", "West Dulwich"),
    estate("on the Vauxhall Gardens Estate", "Vauxhall"),
    estate("on the Lilian Baylis estate", "Kennington"),
    estate(
        "on the Guinness Trust estate, Loughborough Park",
        "Herne Hill & Loughborough Junction",
    ),
    park("in Brockwell Park", "Herne Hill & Loughborough Junction"),
    park("on Clapham Common", "Clapham Common & Abbeville"),
    park("in Kennington Park", "Kennington"),
    park("on Streatham Common", "Streatham Common & Vale"),
    park("in Norwood Park", "Knight's Hill"),
    park("in Myatt's Fields Park", "Myatt's Field"),
    park("in Larkhall Park", "Stockwell West & Larkhall"),
    park("in Slade Gardens", "Stockwell East"),
    park("in Max Roach Park", "Brixton North"),
    park("in Archbishop's Park", "Waterloo & South Bank"),
    park("in Vauxhall Park", "Vauxhall"),
    park("in Windrush Square", "Brixton Windrush"),
    park("on Rush Common", "Brixton Rush Common"),
    park("in Agnes Riley Gardens", "Clapham Park"),
    park("in Windmill Gardens", "Brixton Acre Lane"),
    park("in Hillside Gardens Park", "St Martin's"),
    park("in the Rookery, Streatham", "Streatham Common & Vale"),
    park("in Tivoli Park", "Knight's Hill"),
    park("in Pedlar's Park", "Kennington"),
    street("on Coldharbour Lane", "Brixton Windrush"),
    street("on Railton Road", "Herne Hill & Loughborough Junction"),
    street("on Atlantic Road", "Brixton Windrush"),
    street("on Electric Avenue", "Brixton Windrush"),
    street("on Acre Lane", "Brixton Acre Lane"),
    street("on Brixton Hill", "Brixton Rush Common"),
    street("on Streatham High Road", "Streatham St Leonard's"),
    street("on Norwood Road", "West Dulwich"),
    street("on Lower Marsh", "Waterloo & South Bank"),
    street("on Wandsworth Road", "Stockwell West & Larkhall"),
    street("on Clapham Road", "Stockwell West & Larkhall"),
    street("on South Lambeth Road", "Vauxhall"),
    street("on Kennington Lane", "Kennington"),
    street("on Landor Road", "Clapham East"),
    street("on Stockwell Road", "Stockwell East"),
    street("on Loughborough Road", "Myatt's Field"),
    street("on Leigham Court Road", "Streatham Hill East"),
    street("on Knight's Hill", "Knight's Hill"),
    street("on Gipsy Hill", "Gipsy Hill"),
    street("on Lyham Road", "Clapham Park"),
    street("on Abbeville Road", "Clapham Common & Abbeville"),
    street("on Clapham High Street", "Clapham Town"),
    street("on Mitcham Lane", "Streatham Wells"),
    street("on Streatham Vale", "Streatham Common & Vale"),
    street("on Wellfield Road", "Streatham Wells"),
    street("on Christchurch Road", "Streatham Hill West & Thornton"),
    street("on Palace Road", "St Martin's"),
    street("on Brixton Road", "Brixton North"),
    street("on Camberwell New Road", "Myatt's Field"),
    street("on Kennington Road", "Waterloo & South Bank"),
    street("on Ferndale Road", "Clapham East"),
    street("on Thurlow Park Road", "West Dulwich"),
    street("on Streatham Place", "Streatham Hill West & Thornton"),
    street("on Harleyford Road", "Oval"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_venue_and_place_is_in_a_real_ward() {
        for v in VENUES {
            assert!(
                ward_index(v.ward).is_some(),
                "{}: no ward {}",
                v.name,
                v.ward
            );
        }
        for p in PLACES {
            assert!(ward_index(p.ward).is_some(), "{}: no ward {}", p.at, p.ward);
        }
    }

    #[test]
    fn every_venue_is_pinned_inside_lambeth() {
        // Lambeth's extremes, with a little room: a swapped pair or a slip
        // of a digit lands far outside.
        for v in VENUES {
            let (lat, lon) = v.point;
            assert!(
                (51_410_000..=51_512_000).contains(&lat) && (-152_000..=-78_000).contains(&lon),
                "{}: {lat}, {lon}",
                v.name
            );
        }
        let mut names: Vec<&str> = VENUES.iter().map(|v| v.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VENUES.len(), "a venue is found by its name");
    }

    #[test]
    fn wards_are_unique_and_have_unique_slugs() {
        let mut names: Vec<&str> = WARDS.iter().map(|w| w.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 25);
        let mut slugs: Vec<String> = WARDS.iter().map(|w| crate::wards::slug(w.name)).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), 25);
    }

    #[test]
    fn every_kind_of_venue_and_place_exists() {
        for kind in [
            VenueKind::Library,
            VenueKind::Hall,
            VenueKind::Outdoor,
            VenueKind::Civic,
        ] {
            assert!(VENUES.iter().any(|v| v.kind == kind), "{kind:?}");
        }
        for kind in [PlaceKind::Estate, PlaceKind::Park, PlaceKind::Street] {
            assert!(PLACES.iter().any(|p| p.kind == kind), "{kind:?}");
        }
        assert_eq!(VENUES[0].short(), "Brixton Library");
    }
}
