// The calls the round console makes, typed by the server's own schemas (schema.d.ts). Every
// rule (who may publish, void, export) is the server's; these only carry requests.

import { api } from '../../api';
import type { components } from '../../api/schema';

type S = components['schemas'];

export type EntrantLine = S['EntrantLine'];
export type EntrantsResponse = S['EntrantsResponse'];
export type Published = S['Published'];
export type PublishedOverall = S['PublishedOverall'];
export type Publication = S['Publication'];
export type PublicationList = S['PublicationList'];
export type RankChange = S['RankChange'];
export type Placing = S['Placing'];
export type VoidResponse = S['VoidResponse'];
export type VoidList = S['VoidList'];
export type Activity = S['Activity'];
export type LiveSnapshot = S['LiveSnapshot'];
export type ResultsResponse = S['ResultsResponse'];
export type UnitStanding = S['UnitStanding'];

const r = (id: string) => `/rounds/${encodeURIComponent(id)}`;

export const roundsApi = {
  entrants(roundId: string, q: { unit_id?: string | null; offset?: number; limit?: number }, signal?: AbortSignal) {
    return api.request<EntrantsResponse>('GET', `${r(roundId)}/entrants`, { query: q, signal });
  },
  voids(roundId: string, signal?: AbortSignal) {
    return api.request<VoidList>('GET', `${r(roundId)}/voids`, { signal });
  },
  void(roundId: string, userId: string, reason: string) {
    return api.request<VoidResponse>('POST', `${r(roundId)}/results/${encodeURIComponent(userId)}/void`, { body: { reason } });
  },
  restore(roundId: string, userId: string, reason: string) {
    return api.request<VoidResponse>('POST', `${r(roundId)}/results/${encodeURIComponent(userId)}/restore`, { body: { reason } });
  },
  publish(roundId: string) {
    return api.request<Published>('POST', `${r(roundId)}/publish`);
  },
  publications(roundId: string, signal?: AbortSignal) {
    return api.request<PublicationList>('GET', `${r(roundId)}/publications`, { signal });
  },
  results(roundId: string, q: { offset?: number; limit?: number }, signal?: AbortSignal) {
    return api.request<ResultsResponse>('GET', `${r(roundId)}/results`, { query: q, signal });
  },
  publishContest(contestId: string) {
    return api.request<PublishedOverall>('POST', `/contests/${encodeURIComponent(contestId)}/publish`);
  },
};
