//! The one place that says who may do what. Every door (HTML pages, the JSON
//! API, the command line) asks `may(actor, action, object)` and acts on the
//! answer; nothing else in the product looks at roles.
//!
//! Actions are named for what a person does, not for the page that does it,
//! so that a page and its API twin share one decision.

use crate::people::Role;
use crate::privacy::Relation;
use crate::projects::mandate::Power;
use crate::tokens::Scope;

/// A person's part in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRole {
    Lead,
    CoOwner,
    Member,
}

impl ProjectRole {
    pub const ALL: [ProjectRole; 3] =
        [ProjectRole::Lead, ProjectRole::CoOwner, ProjectRole::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRole::Lead => "lead",
            ProjectRole::CoOwner => "co_owner",
            ProjectRole::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectRole::Lead => "Lead",
            ProjectRole::CoOwner => "Co-owner",
            ProjectRole::Member => "Member",
        }
    }

    pub fn parse(input: &str) -> Result<Self, crate::Invalid> {
        ProjectRole::ALL
            .into_iter()
            .find(|r| r.as_str() == input.trim())
            .ok_or_else(|| {
                crate::Invalid::new(
                    "project_role",
                    format!(
                        "'{}' is not a project role: choose lead, co_owner or member",
                        input.trim()
                    ),
                )
            })
    }
}

/// A person's part in one fund holder (a community trust).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundRole {
    Treasurer,
    Approver,
}

impl FundRole {
    pub const ALL: [FundRole; 2] = [FundRole::Treasurer, FundRole::Approver];

    pub fn as_str(self) -> &'static str {
        match self {
            FundRole::Treasurer => "treasurer",
            FundRole::Approver => "approver",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FundRole::Treasurer => "Treasurer",
            FundRole::Approver => "Approver",
        }
    }

    pub fn parse(input: &str) -> Result<Self, crate::Invalid> {
        FundRole::ALL
            .into_iter()
            .find(|r| r.as_str() == input.trim())
            .ok_or_else(|| {
                crate::Invalid::new(
                    "fund_role",
                    format!(
                        "'{}' is not a fund holder role: choose treasurer or approver",
                        input.trim()
                    ),
                )
            })
    }
}

/// Who is acting, as far as the rules care.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// None for someone who has not signed in.
    pub person: Option<i64>,
    pub role: Option<Role>,
    pub projects: Vec<(i64, ProjectRole)>,
    pub fund_holders: Vec<(i64, FundRole)>,
    /// Set when the request came with an API token: what the token allows.
    pub token_scope: Option<Scope>,
    /// The mandates in force on the projects this person leads or co-owns:
    /// what they may decide there without asking.
    pub mandates: Vec<crate::projects::mandate::InForce>,
    /// The events this person organises.
    pub events: Vec<i64>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn person(id: i64, role: Role) -> Self {
        Self {
            person: Some(id),
            role: Some(role),
            ..Self::default()
        }
    }

    fn is_signed_in(&self) -> bool {
        self.person.is_some()
    }

    fn is_staff(&self) -> bool {
        matches!(self.role, Some(Role::Officer | Role::Admin))
    }
}

/// Everything a person can do in the product. Each route names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read what the borough publishes: projects, events, the home page.
    ReadPublic,
    /// Use the sign-in and sign-up forms.
    Authenticate,
    /// See and manage one's own account, and sign out.
    UseOwnAccount,
    /// Read the audit log of an object.
    ReadAuditLog,
    /// See every account and change people's roles.
    ManageUsers,
    /// Invite someone in with a role (a trust's treasurer, a group's organiser).
    InvitePeople,
    /// Move a project along its lifecycle (the lifecycle rules then say which
    /// moves this person may make).
    ChangeStage,
    /// Start a project: a resident proposes one, an officer records one.
    ProposeProject,
    /// Change what a project is: its description, dates, activities, place,
    /// lead's capacity and owning organisation.
    EditProject,
    /// Accept or decline people who ask to join, give team roles, and mark
    /// co-owners who use what the project delivers.
    ManageTeam,
    /// Publish and close the project's needs.
    ManageNeeds,
    /// Post a catch-up update and manage next steps.
    PostUpdate,
    /// Keep the project's contacts and documents.
    ManageContacts,
    /// Draft or agree the project's mandate.
    AgreeMandate,
    /// Ask to join a project's team.
    AskToJoin,
    /// See one's own dashboard.
    ReadDashboard,
    /// Keep the project's risk register and liability matrix.
    ManageRisks,
    /// Submit evidence for a check (a certificate, a policy, a named person).
    SubmitEvidence,
    /// Verify or send back evidence (core then says which checks, and never
    /// one's own submission).
    VerifyChecks,
    /// Waive a check, with a written reason.
    WaiveChecks,
    /// Schedule and record site visits.
    ManageSiteVisits,
    /// Read a project's site visits: notes and photos.
    ReadSiteVisits,
    /// Edit the rules catalogue.
    EditCatalogue,
    /// See every project's readiness across the borough.
    ReadReadiness,
    /// Keep a project's budget lines (core::budget then says who, by whether
    /// funding is agreed).
    ManageBudget,
    /// Submit and withdraw expenses for a project.
    SubmitExpense,
    /// Approve or reject an expense (core::expenses then says which step,
    /// and never one's own).
    ReviewExpense,
    /// Record an expense's payment or reverse it (the treasurer of the
    /// project's fund holder, as core::expenses decides).
    PayExpense,
    /// Read a project's expenses in full: payees' names, receipts.
    ReadProjectMoney,
    /// Read a fund holder's books in full.
    ReadFundHolderBooks,
    /// Set a fund holder's fees and approval rules, record funding
    /// agreements and grants received.
    ManageFunding,
    /// Import bank statements and reconcile them with the ledger.
    Reconcile,
    /// See the whole borough's fund flows.
    ReadBoroughMoney,
    /// Offer a resource to the shared pool, and change or withdraw one's
    /// offers (core::resources then says whose).
    OfferResource,
    /// Ask for a resource for a project (core::resources then says for
    /// which projects: those the person leads or co-owns).
    RequestResource,
    /// Confirm, decline, cancel or mark returned a booking of a resource
    /// (core::resources then says who may take which step).
    DecideBooking,
    /// See the borough's map of skills and resources against what its
    /// projects need, ward by ward (counts only, never names).
    ReadAssetMap,
    /// Put an event on the calendar (and name its organisers).
    CreateEvent,
    /// Change or cancel an event, see who is coming with what they need,
    /// keep the door list and check people in: its organisers.
    ManageEvent,
    /// Answer an event: going, maybe or not going.
    RespondToEvent,
    /// Read who is coming to an event and what they need, without changing
    /// anything (so a read-only token may): its organisers.
    ReadEventAnswers,
    /// Start an action learning set (whoever starts one organises it).
    RunLearningSet,
    /// Take part in a learning set: join it, ask to join a session, write
    /// in its log, answer partners' requests (core::learning then says
    /// which, by where the person stands in the set).
    TakePartInLearning,
    /// Write and change articles in the public toolkit (core::toolkit's
    /// callers then check the writer is staff or a partner).
    WriteToolkit,
}

impl Action {
    /// Whether doing it changes something: a read-only token may not.
    pub fn changes_state(self) -> bool {
        match self {
            Action::ReadPublic | Action::ReadAuditLog => false,
            Action::Authenticate
            | Action::UseOwnAccount
            | Action::ManageUsers
            | Action::InvitePeople
            | Action::ChangeStage
            | Action::ProposeProject
            | Action::EditProject
            | Action::ManageTeam
            | Action::ManageNeeds
            | Action::PostUpdate
            | Action::ManageContacts
            | Action::AgreeMandate
            | Action::AskToJoin => true,
            Action::ManageRisks
            | Action::SubmitEvidence
            | Action::VerifyChecks
            | Action::WaiveChecks
            | Action::ManageSiteVisits
            | Action::EditCatalogue => true,
            Action::ReadDashboard | Action::ReadSiteVisits | Action::ReadReadiness => false,
            Action::ManageBudget
            | Action::SubmitExpense
            | Action::ReviewExpense
            | Action::PayExpense
            | Action::ManageFunding
            | Action::Reconcile => true,
            Action::ReadProjectMoney
            | Action::ReadFundHolderBooks
            | Action::ReadBoroughMoney
            | Action::ReadAssetMap => false,
            Action::OfferResource | Action::RequestResource | Action::DecideBooking => true,
            Action::CreateEvent | Action::ManageEvent | Action::RespondToEvent => true,
            Action::RunLearningSet | Action::TakePartInLearning | Action::WriteToolkit => true,
            Action::ReadEventAnswers => false,
        }
    }

    pub const ALL: [Action; 44] = [
        Action::ReadPublic,
        Action::Authenticate,
        Action::UseOwnAccount,
        Action::ReadAuditLog,
        Action::ManageUsers,
        Action::InvitePeople,
        Action::ChangeStage,
        Action::ProposeProject,
        Action::EditProject,
        Action::ManageTeam,
        Action::ManageNeeds,
        Action::PostUpdate,
        Action::ManageContacts,
        Action::AgreeMandate,
        Action::AskToJoin,
        Action::ReadDashboard,
        Action::ManageRisks,
        Action::SubmitEvidence,
        Action::VerifyChecks,
        Action::WaiveChecks,
        Action::ManageSiteVisits,
        Action::ReadSiteVisits,
        Action::EditCatalogue,
        Action::ReadReadiness,
        Action::ManageBudget,
        Action::SubmitExpense,
        Action::ReviewExpense,
        Action::PayExpense,
        Action::ReadProjectMoney,
        Action::ReadFundHolderBooks,
        Action::ManageFunding,
        Action::Reconcile,
        Action::ReadBoroughMoney,
        Action::OfferResource,
        Action::RequestResource,
        Action::DecideBooking,
        Action::ReadAssetMap,
        Action::CreateEvent,
        Action::ManageEvent,
        Action::RespondToEvent,
        Action::RunLearningSet,
        Action::TakePartInLearning,
        Action::WriteToolkit,
        Action::ReadEventAnswers,
    ];

    /// What the action is done to, when the decision depends on it: the
    /// route's `{id}` then names the object.
    pub fn object_kind(self) -> Option<ObjectKind> {
        match self {
            Action::ChangeStage
            | Action::EditProject
            | Action::ManageTeam
            | Action::ManageNeeds
            | Action::PostUpdate
            | Action::ManageContacts
            | Action::AgreeMandate
            | Action::AskToJoin
            | Action::ManageRisks
            | Action::SubmitEvidence
            | Action::VerifyChecks
            | Action::WaiveChecks
            | Action::ManageSiteVisits
            | Action::ReadSiteVisits
            | Action::ManageBudget
            | Action::SubmitExpense
            | Action::ReviewExpense
            | Action::PayExpense
            | Action::ReadProjectMoney => Some(ObjectKind::Project),
            Action::ReadFundHolderBooks | Action::ManageFunding | Action::Reconcile => {
                Some(ObjectKind::FundHolder)
            }
            Action::ManageEvent | Action::ReadEventAnswers => Some(ObjectKind::Event),
            Action::ReadPublic
            | Action::Authenticate
            | Action::UseOwnAccount
            | Action::ReadAuditLog
            | Action::ManageUsers
            | Action::InvitePeople
            | Action::ProposeProject
            | Action::ReadDashboard
            | Action::EditCatalogue
            | Action::ReadReadiness
            | Action::ReadBoroughMoney
            | Action::OfferResource
            | Action::RequestResource
            | Action::DecideBooking
            | Action::ReadAssetMap
            | Action::CreateEvent
            | Action::RespondToEvent
            | Action::RunLearningSet
            | Action::TakePartInLearning
            | Action::WriteToolkit => None,
        }
    }
}

/// The kinds of object a route's `{id}` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Project,
    FundHolder,
    Event,
}

/// What an action is done to, when that matters to the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    None,
    Project(i64),
    FundHolder(i64),
    Person(i64),
    Event(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in, and signing in could change the answer.
    SignInFirst,
    /// Signed in, and the answer is no: the reason is shown to the person.
    Deny(&'static str),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Whether the actor may hand out `role` in an invitation: officers bring in
/// residents and fellow officers; only administrators make administrators.
pub fn may_grant(actor: &Actor, role: Role) -> Result<(), crate::Invalid> {
    let allowed = match role {
        Role::Resident | Role::Officer => actor.is_staff(),
        Role::Admin => actor.role == Some(Role::Admin),
    };
    if allowed {
        Ok(())
    } else {
        Err(crate::Invalid::new(
            "role",
            "Only an administrator can invite someone as an administrator",
        ))
    }
}

/// How the actor stands to a person whose profile they look at, for the
/// privacy rules. Teammates are people who share a project; until project
/// memberships exist nobody is anyone's teammate.
pub fn relation_to(actor: &Actor, person_id: i64) -> Relation {
    Relation {
        is_self: actor.person == Some(person_id),
        is_officer: actor.is_staff() && actor.token_scope.is_none(),
        is_teammate: false,
    }
}

impl Actor {
    /// The actor's part in one project, if any.
    pub fn project_role(&self, project: i64) -> Option<ProjectRole> {
        let roles = self
            .projects
            .iter()
            .filter(|(p, _)| *p == project)
            .map(|(_, r)| *r);
        // A lead listed twice (as recorded lead and as member) counts as lead.
        roles.min_by_key(|r| match r {
            ProjectRole::Lead => 0,
            ProjectRole::CoOwner => 1,
            ProjectRole::Member => 2,
        })
    }

    /// Whether the actor answers for the project: its lead or a co-owner.
    pub fn owns_project(&self, project: i64) -> bool {
        matches!(
            self.project_role(project),
            Some(ProjectRole::Lead | ProjectRole::CoOwner)
        )
    }

    pub fn is_officer(&self) -> bool {
        self.is_staff()
    }

    /// The mandate in force on a project, if the actor owns it and one is.
    pub fn mandate(&self, project: i64) -> Option<&crate::projects::mandate::InForce> {
        if !self.owns_project(project) {
            return None;
        }
        self.mandates.iter().find(|m| m.project == project)
    }

    /// Whether the actor owns the project and its mandate hands them `power`.
    pub fn holds(&self, project: i64, power: Power) -> bool {
        self.mandate(project)
            .is_some_and(|m| m.powers.contains(power))
    }

    /// The actor's part in one fund holder, if any.
    pub fn fund_role(&self, fund_holder: i64) -> Option<FundRole> {
        let roles = self
            .fund_holders
            .iter()
            .filter(|(f, _)| *f == fund_holder)
            .map(|(_, r)| *r);
        // Listed as both, a treasurer counts as a treasurer.
        roles.min_by_key(|r| match r {
            FundRole::Treasurer => 0,
            FundRole::Approver => 1,
        })
    }

    /// Whether the actor is a treasurer of any fund holder.
    pub fn is_treasurer(&self) -> bool {
        self.fund_holders
            .iter()
            .any(|(_, r)| *r == FundRole::Treasurer)
    }

    /// Whether the actor is one of the event's organisers.
    pub fn organises(&self, event: i64) -> bool {
        self.events.contains(&event)
    }

    /// Whether the actor is the project's lead (not a co-owner).
    pub fn leads(&self, project: i64) -> bool {
        self.project_role(project) == Some(ProjectRole::Lead)
    }
}

pub fn may(actor: &Actor, action: Action, object: Object) -> Decision {
    let signed_in = |allowed: bool, reason: &'static str| {
        if !actor.is_signed_in() {
            Decision::SignInFirst
        } else if allowed {
            Decision::Allow
        } else {
            Decision::Deny(reason)
        }
    };
    // Whether the object is a project the actor stands in this relation to.
    let on_project = |relation: &dyn Fn(i64) -> bool| match object {
        Object::Project(id) => relation(id),
        _ => false,
    };
    if actor.token_scope == Some(Scope::Read) && action.changes_state() {
        return Decision::Deny(
            "This API token may only read: create a read-and-change token to make changes.",
        );
    }
    let on_fund_holder = |relation: &dyn Fn(i64) -> bool| match object {
        Object::FundHolder(id) => relation(id),
        _ => false,
    };
    // Letting go is explicit: an owner acts alone only where the agreed
    // mandate says so; officers always may.
    let under_mandate = |power: Power, reason: &'static str| {
        let holds = on_project(&|id| actor.holds(id, power));
        signed_in(holds || actor.is_staff(), reason)
    };
    match action {
        Action::ReadPublic | Action::Authenticate => Decision::Allow,
        Action::UseOwnAccount => signed_in(true, ""),
        Action::ReadAuditLog => signed_in(
            actor.is_staff(),
            "Only council officers can read the audit log.",
        ),
        Action::ManageUsers => signed_in(
            actor.role == Some(Role::Admin),
            "Only administrators can see every account and change roles.",
        ),
        Action::InvitePeople => signed_in(
            actor.is_staff(),
            "Only council officers can invite people in.",
        ),
        Action::ChangeStage => {
            let owns = on_project(&|id| actor.owns_project(id));
            signed_in(
                owns || actor.is_staff(),
                "Only the project's lead, its co-owners and council officers can move it to another stage.",
            )
        }
        Action::ProposeProject | Action::AskToJoin | Action::ReadDashboard => signed_in(true, ""),
        Action::EditProject => under_mandate(
            Power::ChangePlan,
            "Only a council officer, or a lead whose agreed mandate lets them change the plan, can change this project's description and plan.",
        ),
        Action::ManageTeam => under_mandate(
            Power::ManageTeam,
            "Only a council officer, or a lead whose agreed mandate lets them manage the team, can accept people into this project.",
        ),
        Action::ManageNeeds => under_mandate(
            Power::PublishNeeds,
            "Only a council officer, or a lead whose agreed mandate lets them publish needs, can change this project's needs.",
        ),
        Action::PostUpdate => {
            let member = on_project(&|id| actor.project_role(id).is_some());
            signed_in(
                member || actor.is_staff(),
                "Only the project's team and council officers can post its updates and next steps.",
            )
        }
        Action::ManageContacts => {
            let owns = on_project(&|id| actor.owns_project(id));
            signed_in(
                owns || actor.is_staff(),
                "Only the project's lead, its co-owners and council officers keep its contacts and documents.",
            )
        }
        Action::AgreeMandate => {
            let leads = on_project(&|id| actor.leads(id));
            signed_in(
                leads || actor.is_staff(),
                "Only the project's lead and council officers agree its mandate.",
            )
        }
        Action::ManageRisks => {
            let owns = on_project(&|id| actor.owns_project(id));
            signed_in(
                owns || actor.is_staff(),
                "Only the project's lead, its co-owners and council officers keep its risk register and liability matrix.",
            )
        }
        Action::SubmitEvidence | Action::ReadSiteVisits => {
            let member = on_project(&|id| actor.project_role(id).is_some());
            signed_in(
                member || actor.is_staff(),
                "Only the project's team and council officers can do this.",
            )
        }
        // Which checks a fund holder may verify depends on the project's fund
        // holder, which core::risk::checks decides; here, only who may try.
        Action::VerifyChecks => signed_in(
            actor.is_staff() || !actor.fund_holders.is_empty(),
            "Only council officers and fund holders verify checks.",
        ),
        Action::WaiveChecks => signed_in(
            actor.is_staff(),
            "Only council officers can waive a check.",
        ),
        Action::ManageSiteVisits => signed_in(
            actor.is_staff(),
            "Only council officers schedule and record site visits.",
        ),
        Action::EditCatalogue => signed_in(
            actor.is_staff(),
            "Only council officers can change the rules catalogue.",
        ),
        Action::ReadReadiness => signed_in(
            actor.is_staff(),
            "Only council officers see every project's readiness.",
        ),
        // Before funding is agreed the owners plan; after, only the fund
        // holder's treasurer changes it: core::budget decides which.
        Action::ManageBudget => {
            let owns = on_project(&|id| actor.owns_project(id));
            signed_in(
                owns || actor.is_staff() || actor.is_treasurer(),
                "Only the project's lead, its co-owners, council officers and its fund holder's treasurer keep its budget.",
            )
        }
        Action::SubmitExpense => {
            let member = on_project(&|id| actor.project_role(id).is_some());
            signed_in(
                member,
                "Only the project's team can submit its expenses.",
            )
        }
        Action::ReviewExpense => {
            let owns = on_project(&|id| actor.owns_project(id));
            signed_in(
                owns || !actor.fund_holders.is_empty(),
                "Only the project's lead and co-owners, and its fund holder's approvers, approve its expenses.",
            )
        }
        Action::PayExpense => signed_in(
            actor.is_treasurer(),
            "Only the fund holder's treasurer records payments.",
        ),
        Action::ReadProjectMoney => {
            let member = on_project(&|id| actor.project_role(id).is_some());
            signed_in(
                member || actor.is_staff() || !actor.fund_holders.is_empty(),
                "Only the project's team, its fund holder and council officers see its expenses in full.",
            )
        }
        Action::ReadFundHolderBooks => {
            let member = on_fund_holder(&|id| actor.fund_role(id).is_some());
            signed_in(
                member || actor.is_staff(),
                "Only the fund holder's treasurers and approvers, and council officers, see its books in full.",
            )
        }
        Action::ManageFunding | Action::Reconcile => {
            let treasurer =
                on_fund_holder(&|id| actor.fund_role(id) == Some(FundRole::Treasurer));
            signed_in(
                treasurer || actor.role == Some(Role::Admin),
                "Only the fund holder's treasurer can do this.",
            )
        }
        Action::ReadBoroughMoney => signed_in(
            actor.is_staff(),
            "Only council officers see the whole borough's fund flows.",
        ),
        Action::ReadAssetMap => signed_in(
            actor.is_staff(),
            "Only council officers see the borough's asset map, which they use to plan outreach.",
        ),
        // Anyone signed in may try; whose offer, which project and which
        // booking step are core::resources' to decide, with the reason.
        Action::OfferResource | Action::RequestResource | Action::DecideBooking => {
            signed_in(true, "")
        }
        Action::CreateEvent => signed_in(
            actor.is_staff(),
            "Only council officers put events on the calendar; ask one to add yours and name you as an organiser.",
        ),
        Action::ManageEvent | Action::ReadEventAnswers => {
            let organises = matches!(object, Object::Event(id) if actor.organises(id));
            signed_in(
                organises || actor.is_staff(),
                "Only the event's organisers and council officers can do this.",
            )
        }
        Action::RespondToEvent => signed_in(true, ""),
        Action::RunLearningSet => signed_in(
            actor.is_staff(),
            "Only council officers start a learning set; partners ask to join one of its sessions.",
        ),
        // Where the person stands in the set decides the rest.
        Action::TakePartInLearning | Action::WriteToolkit => signed_in(true, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<(&'static str, Actor)> {
        vec![
            ("anonymous", Actor::anonymous()),
            ("resident", Actor::person(1, Role::Resident)),
            ("officer", Actor::person(2, Role::Officer)),
            ("admin", Actor::person(3, Role::Admin)),
        ]
    }

    #[test]
    fn the_matrix_reads_as_intended() {
        use Decision::*;
        let expected: &[(Action, [&str; 4])] = &[
            (Action::ReadPublic, ["allow", "allow", "allow", "allow"]),
            (Action::Authenticate, ["allow", "allow", "allow", "allow"]),
            (
                Action::UseOwnAccount,
                ["sign in", "allow", "allow", "allow"],
            ),
            (Action::ReadAuditLog, ["sign in", "deny", "allow", "allow"]),
            (Action::ManageUsers, ["sign in", "deny", "deny", "allow"]),
            (Action::InvitePeople, ["sign in", "deny", "allow", "allow"]),
            (Action::ChangeStage, ["sign in", "deny", "allow", "allow"]),
            (
                Action::ProposeProject,
                ["sign in", "allow", "allow", "allow"],
            ),
            (Action::EditProject, ["sign in", "deny", "allow", "allow"]),
            (Action::ManageTeam, ["sign in", "deny", "allow", "allow"]),
            (Action::ManageNeeds, ["sign in", "deny", "allow", "allow"]),
            (Action::PostUpdate, ["sign in", "deny", "allow", "allow"]),
            (
                Action::ManageContacts,
                ["sign in", "deny", "allow", "allow"],
            ),
            (Action::AgreeMandate, ["sign in", "deny", "allow", "allow"]),
            (Action::AskToJoin, ["sign in", "allow", "allow", "allow"]),
            (
                Action::ReadDashboard,
                ["sign in", "allow", "allow", "allow"],
            ),
            (Action::ManageRisks, ["sign in", "deny", "allow", "allow"]),
            (
                Action::SubmitEvidence,
                ["sign in", "deny", "allow", "allow"],
            ),
            (Action::VerifyChecks, ["sign in", "deny", "allow", "allow"]),
            (Action::WaiveChecks, ["sign in", "deny", "allow", "allow"]),
            (
                Action::ManageSiteVisits,
                ["sign in", "deny", "allow", "allow"],
            ),
            (
                Action::ReadSiteVisits,
                ["sign in", "deny", "allow", "allow"],
            ),
            (Action::EditCatalogue, ["sign in", "deny", "allow", "allow"]),
            (Action::ReadReadiness, ["sign in", "deny", "allow", "allow"]),
            (Action::ManageBudget, ["sign in", "deny", "allow", "allow"]),
            (Action::SubmitExpense, ["sign in", "deny", "deny", "deny"]),
            (Action::ReviewExpense, ["sign in", "deny", "deny", "deny"]),
            (Action::PayExpense, ["sign in", "deny", "deny", "deny"]),
            (
                Action::ReadProjectMoney,
                ["sign in", "deny", "allow", "allow"],
            ),
            (
                Action::ReadFundHolderBooks,
                ["sign in", "deny", "allow", "allow"],
            ),
            (Action::ManageFunding, ["sign in", "deny", "deny", "allow"]),
            (Action::Reconcile, ["sign in", "deny", "deny", "allow"]),
            (
                Action::ReadBoroughMoney,
                ["sign in", "deny", "allow", "allow"],
            ),
            (
                Action::OfferResource,
                ["sign in", "allow", "allow", "allow"],
            ),
            (
                Action::RequestResource,
                ["sign in", "allow", "allow", "allow"],
            ),
            (Action::ReadAssetMap, ["sign in", "deny", "allow", "allow"]),
            (
                Action::DecideBooking,
                ["sign in", "allow", "allow", "allow"],
            ),
            (Action::CreateEvent, ["sign in", "deny", "allow", "allow"]),
            (Action::ManageEvent, ["sign in", "deny", "allow", "allow"]),
            (
                Action::RespondToEvent,
                ["sign in", "allow", "allow", "allow"],
            ),
            (
                Action::RunLearningSet,
                ["sign in", "deny", "allow", "allow"],
            ),
            (
                Action::TakePartInLearning,
                ["sign in", "allow", "allow", "allow"],
            ),
            (Action::WriteToolkit, ["sign in", "allow", "allow", "allow"]),
            (
                Action::ReadEventAnswers,
                ["sign in", "deny", "allow", "allow"],
            ),
        ];
        for (action, row) in expected {
            for ((name, actor), want) in kinds().iter().zip(row) {
                let got = match may(actor, *action, Object::None) {
                    Allow => "allow",
                    SignInFirst => "sign in",
                    Deny(_) => "deny",
                };
                assert_eq!(got, *want, "{name} {action:?}");
            }
        }
        assert_eq!(
            expected.len(),
            Action::ALL.len(),
            "every action is in the matrix"
        );
    }

    #[test]
    fn organisers_manage_only_their_own_events() {
        let mut organiser = Actor::person(7, Role::Resident);
        organiser.events = vec![4];
        assert!(may(&organiser, Action::ManageEvent, Object::Event(4)).is_allowed());
        assert!(!may(&organiser, Action::ManageEvent, Object::Event(5)).is_allowed());
        assert!(!may(&organiser, Action::CreateEvent, Object::None).is_allowed());
        assert!(!may(&organiser, Action::ReadEventAnswers, Object::Event(5)).is_allowed());
        organiser.token_scope = Some(Scope::Read);
        assert!(!may(&organiser, Action::ManageEvent, Object::Event(4)).is_allowed());
        // A read-only token still reads who is coming.
        assert!(may(&organiser, Action::ReadEventAnswers, Object::Event(4)).is_allowed());
    }

    #[test]
    fn fund_holder_roles_reach_only_their_own_books() {
        let mut treasurer = Actor::person(7, Role::Resident);
        treasurer.fund_holders = vec![(1, FundRole::Treasurer)];
        let mut approver = Actor::person(8, Role::Resident);
        approver.fund_holders = vec![(1, FundRole::Approver)];
        let own = Object::FundHolder(1);
        let other = Object::FundHolder(2);
        assert!(may(&treasurer, Action::ManageFunding, own).is_allowed());
        assert!(may(&treasurer, Action::Reconcile, own).is_allowed());
        assert!(!may(&treasurer, Action::ManageFunding, other).is_allowed());
        assert!(!may(&approver, Action::ManageFunding, own).is_allowed());
        assert!(may(&approver, Action::ReadFundHolderBooks, own).is_allowed());
        assert!(!may(&approver, Action::ReadFundHolderBooks, other).is_allowed());
        assert!(may(&approver, Action::ReviewExpense, Object::Project(3)).is_allowed());
        assert!(!may(&approver, Action::PayExpense, Object::Project(3)).is_allowed());
        assert!(may(&treasurer, Action::PayExpense, Object::Project(3)).is_allowed());
        let mut both = Actor::person(9, Role::Resident);
        both.fund_holders = vec![(1, FundRole::Approver), (1, FundRole::Treasurer)];
        assert_eq!(both.fund_role(1), Some(FundRole::Treasurer));
    }

    #[test]
    fn a_read_token_never_changes_anything() {
        let mut admin = Actor::person(3, Role::Admin);
        admin.token_scope = Some(Scope::Read);
        assert_eq!(
            may(&admin, Action::ReadAuditLog, Object::None),
            Decision::Allow
        );
        assert!(matches!(
            may(&admin, Action::ManageUsers, Object::None),
            Decision::Deny(_)
        ));
        admin.token_scope = Some(Scope::Write);
        assert_eq!(
            may(&admin, Action::ManageUsers, Object::None),
            Decision::Allow
        );
    }

    #[test]
    fn officers_see_as_officers_but_not_through_tokens() {
        let officer = Actor::person(2, Role::Officer);
        assert!(relation_to(&officer, 9).is_officer);
        assert!(relation_to(&officer, 2).is_self);
        assert!(!relation_to(&Actor::person(1, Role::Resident), 9).is_officer);
        let mut scripted = officer.clone();
        scripted.token_scope = Some(Scope::Read);
        assert!(
            !relation_to(&scripted, 9).is_officer,
            "a script sees what the public sees"
        );
    }

    #[test]
    fn only_administrators_make_administrators() {
        let officer = Actor::person(2, Role::Officer);
        assert!(may_grant(&officer, Role::Officer).is_ok());
        assert!(may_grant(&officer, Role::Admin).is_err());
        assert!(may_grant(&Actor::person(3, Role::Admin), Role::Admin).is_ok());
        assert!(may_grant(&Actor::person(1, Role::Resident), Role::Resident).is_err());
        assert_eq!(
            ProjectRole::parse("co_owner").unwrap(),
            ProjectRole::CoOwner
        );
        assert!(FundRole::parse("boss").is_err());
    }

    #[test]
    fn a_lead_acts_alone_only_where_the_mandate_says() {
        use crate::money::Pence;
        use crate::projects::mandate::{InForce, Powers};
        let mut lead = Actor {
            projects: vec![(7, ProjectRole::Lead), (8, ProjectRole::Member)],
            ..Actor::person(1, Role::Resident)
        };
        let on = |a: &Actor, action| may(a, action, Object::Project(7)).is_allowed();
        assert!(
            !on(&lead, Action::EditProject),
            "no mandate, no plan changes"
        );
        assert!(on(&lead, Action::PostUpdate), "updates need no mandate");
        assert!(on(&lead, Action::ManageContacts));
        assert!(on(&lead, Action::AgreeMandate));
        lead.mandates = vec![
            InForce {
                project: 7,
                powers: Powers::of(&[Power::ChangePlan, Power::ManageTeam]),
                spending_limit: Pence::new(5_000),
            },
            // A mandate on a project the person only helps with hands them nothing.
            InForce {
                project: 8,
                powers: Powers::of(&Power::ALL),
                spending_limit: Pence::ZERO,
            },
        ];
        assert!(on(&lead, Action::EditProject));
        assert!(on(&lead, Action::ManageTeam));
        assert!(!on(&lead, Action::ManageNeeds), "not handed over");
        assert!(!may(&lead, Action::EditProject, Object::Project(8)).is_allowed());
        assert!(may(&lead, Action::PostUpdate, Object::Project(8)).is_allowed());
        assert!(!may(&lead, Action::ManageContacts, Object::Project(8)).is_allowed());
        let co_owner = Actor {
            projects: vec![(7, ProjectRole::CoOwner)],
            ..Actor::person(4, Role::Resident)
        };
        assert!(
            !on(&co_owner, Action::AgreeMandate),
            "the lead signs, not a co-owner"
        );
    }

    #[test]
    fn refusals_say_why() {
        for action in Action::ALL {
            for (_, actor) in kinds() {
                if let Decision::Deny(reason) = may(&actor, action, Object::None) {
                    assert!(reason.len() > 10, "{action:?}");
                }
            }
        }
    }
}
