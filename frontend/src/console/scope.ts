import { api } from '../api';
import type { Me, RoleAssignment, UnitWithAncestors } from '../api/types';

/**
 * Who is using the console and over what: the roles beyond member and the units whose
 * subtrees they cover. The console shows this everywhere ("Phạm vi quản lý"); the server is
 * the judge of every rule, and the screens only hide what it would refuse anyway.
 */
export interface Scope {
  me: Me;
  roles: RoleAssignment[];
  isAdmin: boolean;
  isOrganizer: boolean;
  isUnitAdmin: boolean;
  /** The roots of the managed subtrees, with their ancestors (for "Đoàn Khối … › Đoàn cơ sở …"). */
  units: UnitWithAncestors[];
}

export type ManagerRole = RoleAssignment['role'];

export const ROLE_NAMES: Record<ManagerRole, string> = {
  organizer: 'Ban Tổ chức',
  unit_admin: 'Quản trị đơn vị',
  admin: 'Quản trị hệ thống',
};

/** Whether an account holds any role that opens the console. */
export function managesAnything(me: Pick<Me, 'roles'> | null | undefined): boolean {
  return (me?.roles ?? []).some((r) => r.role === 'admin' || r.role === 'organizer' || r.role === 'unit_admin');
}

/** Loads the scope: the account, then each managed unit (once per root, in parallel). */
export async function loadScope(signal?: AbortSignal): Promise<Scope> {
  const me = await api.me(signal);
  const roles = me.roles ?? [];
  const ids = [...new Set(roles.map((r) => r.unit_id).filter((id): id is string => !!id))];
  const units = await Promise.all(ids.map((id) => api.unit(id, signal)));
  // Show the widest subtrees first; a root inside another root adds nothing to the label.
  units.sort((a, b) => a.ancestors.length - b.ancestors.length || a.name.localeCompare(b.name, 'vi'));
  const roots = units.filter((u) => !units.some((v) => v.id !== u.id && u.ancestors.some((a) => a.id === v.id)));
  return {
    me,
    roles,
    isAdmin: roles.some((r) => r.role === 'admin'),
    isOrganizer: roles.some((r) => r.role === 'organizer'),
    isUnitAdmin: roles.some((r) => r.role === 'unit_admin'),
    units: roots,
  };
}

/** "Toàn hệ thống" for admins, else the managed units' names. */
export function scopeLabel(scope: Scope): string {
  if (scope.isAdmin) return 'Toàn hệ thống';
  if (scope.units.length === 0) return 'Chưa được giao đơn vị nào';
  return scope.units.map((u) => u.name).join('; ');
}

/** The roles held on a unit, in words: "Ban Tổ chức, Quản trị đơn vị". */
export function rolesOn(scope: Scope, unitId: string): string {
  const names = scope.roles.filter((r) => r.unit_id === unitId).map((r) => ROLE_NAMES[r.role]);
  return [...new Set(names)].join(', ');
}
