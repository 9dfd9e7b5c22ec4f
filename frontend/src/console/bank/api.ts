// The bank's calls, typed from the generated contract.
import { api } from '../../api';
import type { components } from '../../api/schema';

export type Question = components['schemas']['QuestionResponse'];
export type QuestionList = components['schemas']['QuestionList'];
export type Topic = components['schemas']['TopicItem'];
export type Stats = components['schemas']['QuestionStats'];
export type ImportResult = components['schemas']['QuestionImportResult'];
export type StoredImage = components['schemas']['ImageResponse'];
export type Version = components['schemas']['QuestionVersionItem'];

/** The list's filters and order, as the address bar keeps them. */
export interface ListQuery {
  q?: string;
  topic?: string;
  tag?: string;
  difficulty?: string;
  kind?: string;
  status?: string;
  sort?: string;
  order?: string;
  offset?: number;
  limit?: number;
}

/** A page of questions; empty filters are left out (an empty `difficulty` is not a value). */
export const listQuestions = (query: ListQuery, signal?: AbortSignal) =>
  api.request<QuestionList>('GET', '/questions', {
    query: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '' && v !== undefined)),
    signal,
  });

export const getQuestion = (id: string, signal?: AbortSignal) => api.request<Question>('GET', `/questions/${id}`, { signal });

export const getStats = (id: string, signal?: AbortSignal) => api.request<Stats>('GET', `/questions/${id}/stats`, { signal });

export const getVersions = (id: string, signal?: AbortSignal) =>
  api.request<{ items: Version[] }>('GET', `/questions/${id}/versions`, { signal });

export const listTopics = (signal?: AbortSignal) => api.request<{ items: Topic[] }>('GET', '/topics', { signal });

export const uploadImage = (file: File) => {
  const form = new FormData();
  form.append('file', file, file.name);
  return api.upload<StoredImage>('/images', form);
};
