//! The roles of gongzhi users (see DESIGN.md, "Who uses it").

use crate::Coded;

/// A user's role. Codes are stable: they are stored and appear in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 居民
    Resident,
    /// 楼组长
    BuildingHead,
    /// 网格员
    GridWorker,
    /// 社区工作者 (居委会)
    CommunityStaff,
    /// 处置单位工作人员 (物业, 水务 …)
    UnitStaff,
    /// 调解员 (司法所, 派出所, 律师)
    Mediator,
    /// 街道工作人员
    StreetStaff,
    /// 系统管理员
    Admin,
    /// 审计员: reads audit trails and ledgers, changes nothing
    Auditor,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role")]
pub struct RoleError;

impl Coded for RoleError {
    fn code(&self) -> &'static str {
        "ROLE_UNKNOWN"
    }
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Resident,
        Role::BuildingHead,
        Role::GridWorker,
        Role::CommunityStaff,
        Role::UnitStaff,
        Role::Mediator,
        Role::StreetStaff,
        Role::Admin,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::BuildingHead => "building_head",
            Role::GridWorker => "grid_worker",
            Role::CommunityStaff => "community_staff",
            Role::UnitStaff => "unit_staff",
            Role::Mediator => "mediator",
            Role::StreetStaff => "street_staff",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(code: &str) -> Result<Role, RoleError> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or(RoleError)
    }

    /// The Chinese name shown in the UI.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Resident => "居民",
            Role::BuildingHead => "楼组长",
            Role::GridWorker => "网格员",
            Role::CommunityStaff => "社区工作者",
            Role::UnitStaff => "处置单位",
            Role::Mediator => "调解员",
            Role::StreetStaff => "街道工作人员",
            Role::Admin => "系统管理员",
            Role::Auditor => "审计员",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::Resident => "Resident",
            Role::BuildingHead => "Building head",
            Role::GridWorker => "Grid worker",
            Role::CommunityStaff => "Community staff",
            Role::UnitStaff => "Handling unit",
            Role::Mediator => "Mediator",
            Role::StreetStaff => "Street staff",
            Role::Admin => "Administrator",
            Role::Auditor => "Auditor",
        }
    }

    /// Staff roles work on other people's matters and get the staff navigation.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Resident)
    }

    /// May list residents (masked) within their scope.
    pub fn may_list_residents(self) -> bool {
        matches!(
            self,
            Role::BuildingHead
                | Role::GridWorker
                | Role::CommunityStaff
                | Role::StreetStaff
                | Role::Admin
        )
    }

    /// May manage users, roles and organisation units.
    pub fn may_administer(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// May read the audit trail (separation of duties: the admin may not).
    pub fn may_read_audit(self) -> bool {
        matches!(self, Role::Auditor)
    }

    /// May give an account this role, or change an account that has it, in the product:
    /// the administrator, for every role but the auditor's. Auditor accounts are made and
    /// changed only by the operator on the command line (`gongzhi admin create-user`), so
    /// the administrator cannot make an auditor to read the trail of their own actions.
    pub fn may_manage_role(self, target: Role) -> bool {
        self.may_administer() && target != Role::Auditor
    }

    /// May sign a checkpoint of the public ledger on request (one is signed every second
    /// while the log grows anyway): the operators — street staff and the administrator.
    pub fn may_sign_checkpoint(self) -> bool {
        matches!(self, Role::StreetStaff | Role::Admin)
    }

    /// Must change the password every [`super::PASSWORD_MAX_AGE_MS`]: every staff role
    /// (等保 level 3); residents are exempt (a documented deviation: rotation makes people
    /// who log in rarely write passwords down).
    pub fn password_expires(self) -> bool {
        self != Role::Resident
    }

    /// Signs in with a second factor (TOTP) where the install requires it: every role that
    /// works on other people's data — staff, mediators, administrators, auditors.
    pub fn needs_second_factor(self) -> bool {
        self.is_staff()
    }

    /// Changes nothing: every write is refused except their own session and preferences.
    pub fn is_read_only(self) -> bool {
        matches!(self, Role::Auditor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert_eq!(Role::parse("root"), Err(RoleError));
    }

    #[test]
    fn separation_of_duties() {
        assert!(Role::Admin.may_administer() && !Role::Admin.may_read_audit());
        assert!(Role::Auditor.may_read_audit() && !Role::Auditor.may_administer());
        assert!(!Role::Resident.may_list_residents());
        assert!(!Role::Admin.may_manage_role(Role::Auditor));
        assert!(Role::Admin.may_manage_role(Role::StreetStaff));
        assert!(
            !Role::Auditor.may_sign_checkpoint() && !Role::CommunityStaff.may_sign_checkpoint()
        );
        assert!(Role::Auditor.is_read_only() && !Role::Admin.is_read_only());
    }
}
