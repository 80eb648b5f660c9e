//! The registry's records and their rules: domain types that cannot hold bad data, drafts
//! validated at the edge, and one `Store` over SQLite or PostgreSQL. Knows nothing of
//! HTTP, HTML, git or search.
//!
//! The Store, with the imports and federation that write through it, is the `store`
//! feature: a crate that only needs the types (the harvest and search of `indexer`) builds
//! without sqlx and its two drivers.

pub mod account;
pub mod address;
pub mod category;
pub mod contribution;
pub mod country;
pub mod document;
pub mod error;
#[cfg(feature = "store")]
pub mod federation;
pub mod identifier;
#[cfg(feature = "store")]
pub mod import;
pub mod licence;
pub mod model;
pub mod money;
pub mod offer;
pub mod proposal;
pub mod publiccode;
pub mod question;
pub mod repository;
pub mod slug;
#[cfg(feature = "store")]
pub mod store;
pub mod tender;
pub mod text;
pub mod token;
pub mod vocab;
pub mod webhook;

pub use account::{
    Identity, JoinOutcome, LoginAttempt, Member, Membership, MembershipRequest, RequestStatus, Role, Session,
    SessionLifetimes, User,
};
pub use address::AddressPolicy;
pub use category::Category;
pub use country::Country;
pub use document::{OrganisationDocument, SearchDocument};
pub use error::{Error, Result};
pub use identifier::OfficialId;
pub use licence::Licence;
pub use model::*;
pub use money::{Currency, Money};
pub use offer::{NewOffer, Offer, OfferDraft, PriceBracket, Territory};
pub use repository::*;
pub use slug::Slug;
#[cfg(feature = "store")]
pub use store::{
    inspect_copy, sqlite_file_of, AreaCounts, Asker, Change, ChangeCursor, CopyFacts, Hidden, Hideable, HistoryOf,
    OfferFilter, Proposal, Recipient, SizeCounts, UseCounts, Written, NEAREST, READ_PER_HARVEST,
};
#[cfg(feature = "store")]
pub use store::{
    page_bounds, AdopterFilter, AdopterSort, AdoptionFact, Backend, CatalogueOutcome, CatalogueRecord, Claim,
    FundingFact, ImportProblem, NearAdoption, OrganisationFilter, OrganisationProfile, OrganisationSummary, PeerUse,
    PersonalToken, Placement, PoolUse, PublicCodeImport, PublicCodeImportOptions, RoadmapFilter, SoftwareFilter,
    SoftwarePage, Store, TerritoryRef, TokenHolder,
};
pub use token::{ApiToken, TokenScope};
pub use vocab::*;
