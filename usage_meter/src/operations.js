/** What both Durable Objects of the meter worker share: how an operation arrives and is
 * answered, and how an alarm is kept set. */

/** The operation's path and JSON input, or the 400 refusing it (checked before anything else). */
export async function readOperation(request, invalid, error) {
  const path = new URL(request.url).pathname;
  let input;
  try {
    input = await request.json();
  } catch {
    return { refusal: reply(400, { error, message: "body must be JSON" }) };
  }
  const problem = invalid(path, input);
  return problem ? { refusal: reply(400, { error, message: problem }) } : { path, input };
}

export function reply(status, body) {
  return Response.json(body, { status });
}

/** The alarm runs by `at` at the latest: an earlier one already set stays, and one set in the
 * past (the local runtime forgets alarms when it restarts) is set again. */
export async function alarmBy(storage, at) {
  const current = await storage.getAlarm();
  if (current === null || current > at || current < Date.now() - 1000) await storage.setAlarm(at);
}
