import { errorMessage } from "../hooks/errors";

type QueryLike = {
  isLoading: boolean;
  isError: boolean;
  isFetching: boolean;
  error: unknown;
  refetch: () => unknown;
};

/**
 * A card's loading (`role="status"`) and load-error (`role="alert"`, the API's message, with a way
 * to try again) states; renders nothing once the data is there.
 */
export function QueryStatus({ query, loading, what }: { query: QueryLike; loading: string; what: string }) {
  if (query.isLoading) return <p role="status">{loading}</p>;
  if (!query.isError) return null;
  return (
    <div className="error" role="alert">
      <p>{errorMessage(query.error)}</p>
      <button className="secondary" disabled={query.isFetching} onClick={() => query.refetch()}>
        Try again<span className="visually-hidden"> to load {what}</span>
      </button>
    </div>
  );
}

/** The message of a failed write, in an alert. */
export function ErrorAlert({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null;
  return <p className="error" role="alert" data-testid={testId}>{errorMessage(error)}</p>;
}
