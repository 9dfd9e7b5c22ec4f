import type { SectionProps } from '../sections';
import { ContestListPage } from './ContestListPage';
import { ContestEditPage } from './ContestEditPage';
import { ContestPage } from './ContestPage';
import { ContestWizard } from './ContestWizard';
import { RoundPage } from './RoundPage';

/**
 * "Cuộc thi": /quan-ly/cuoc-thi (the list), /quan-ly/cuoc-thi/moi (the wizard),
 * /quan-ly/cuoc-thi/<id> (a contest's summary and rounds), /quan-ly/cuoc-thi/<id>/sua (its
 * settings), /quan-ly/cuoc-thi/<id>/vong-moi
 * (a new round), /quan-ly/cuoc-thi/<id>/vong/<roundId> (a round's settings). One round's live
 * monitor and results are the `vong-thi` section's.
 */
export default function ContestsSection({ rest, scope }: SectionProps) {
  const [first, second, third] = rest;
  if (!first) return <ContestListPage scope={scope} />;
  if (first === 'moi') return <ContestWizard scope={scope} />;
  if (second === 'sua') return <ContestEditPage scope={scope} contestId={first} />;
  if (second === 'vong-moi') return <RoundPage scope={scope} contestId={first} roundId={null} />;
  if (second === 'vong' && third) return <RoundPage scope={scope} contestId={first} roundId={third} />;
  return <ContestPage scope={scope} contestId={first} />;
}
