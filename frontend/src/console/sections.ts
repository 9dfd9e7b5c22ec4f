import type { FunctionComponent } from 'preact';
import type { Scope } from './scope';

/** What every section receives: the rest of its address, the query and the scope. */
export interface SectionProps {
  rest: string[];
  query: URLSearchParams;
  scope: Scope;
}

export interface Section {
  /** The address segment after /quan-ly. */
  key: string;
  /** The navigation label. */
  label: string;
  /** Shown in the navigation (false for pages reached from another section, like one round). */
  nav: boolean;
  /** Who sees it in the navigation (the server still decides what they may do). */
  visible?: (scope: Scope) => boolean;
  /** Each section is its own chunk, loaded when opened. */
  load: () => Promise<{ default: FunctionComponent<SectionProps> }>;
}

/**
 * The console's sections, in navigation order. Add one line per section; its code lives in
 * its own directory and is loaded only when someone opens it.
 */
export const SECTIONS: Section[] = [
  { key: 'ngan-hang', label: 'Ngân hàng câu hỏi', nav: true, visible: (s) => s.isOrganizer || s.isAdmin, load: () => import('./bank/BankSection') },
  { key: 'cuoc-thi', label: 'Cuộc thi', nav: true, visible: (s) => s.isOrganizer || s.isAdmin, load: () => import('./contests/ContestsSection') },
  { key: 'don-vi', label: 'Đơn vị', nav: true, visible: (s) => s.isUnitAdmin || s.isOrganizer || s.isAdmin, load: () => import('./units/UnitsSection') },
  { key: 'doan-vien', label: 'Đoàn viên', nav: true, visible: (s) => s.isUnitAdmin || s.isOrganizer || s.isAdmin, load: () => import('./people/PeopleSection') },
  { key: 'ly-luan', label: 'Học tập', nav: true, load: () => import('./theory/TheorySection') },
  { key: 'bao-cao', label: 'Báo cáo', nav: true, load: () => import('./reports/ReportsSection') },
  { key: 'nhat-ky', label: 'Nhật ký', nav: true, load: () => import('./audit/AuditSection') },
  { key: 'vong-thi', label: 'Theo dõi vòng thi', nav: false, load: () => import('./rounds/RoundSection') },
];
