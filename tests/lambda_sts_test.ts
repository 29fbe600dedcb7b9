/** Session names and tags the proxy sends to STS. */
import assert from "node:assert/strict";
import {
  roleSessionName,
  sessionTags,
  sessionTagValue,
} from "../lambda/sts.ts";

Deno.test("sts: the session name is CognitoAuth-<username>, limited to [\\w+=,.@-] and 64 characters", () => {
  assert.equal(roleSessionName("alice"), "CognitoAuth-alice");
  assert.equal(
    roleSessionName("alice.smith+ops@example.com"),
    "CognitoAuth-alice.smith+ops@example.com",
  );
  assert.equal(roleSessionName("a b/c:d"), "CognitoAuth-a_b_c_d");
  assert.equal(roleSessionName("émile"), "CognitoAuth-_mile");
  const long = roleSessionName("x".repeat(100));
  assert.equal(long.length, 64);
  assert.match(long, /^CognitoAuth-x+$/);
});

Deno.test("sts: session tags carry user name, subject and source, with values kept to AWS's characters and 256 characters", () => {
  assert.deepEqual(sessionTags({ username: "alice", sub: "1234-abcd" }), [
    { Key: "CognitoUsername", Value: "alice" },
    { Key: "CognitoSubject", Value: "1234-abcd" },
    { Key: "Source", Value: "cognito-credential-proxy" },
  ]);
  assert.equal(sessionTagValue("a<b>{c}"), "a_b__c_");
  assert.equal(
    sessionTagValue("Zoë Ünal @x:y/z=1+2-3_4.5"),
    "Zoë Ünal @x:y/z=1+2-3_4.5",
  );
  assert.equal(sessionTagValue("x".repeat(300)).length, 256);
});

Deno.test("sts: a user name that a tag value cannot hold exactly gets no CognitoUsername tag, so two users never share one", () => {
  // "bob!" would become "bob_", the tag of the user "bob_": a policy that
  // isolates users by ${aws:PrincipalTag/CognitoUsername} would let one into
  // the other's data. Without the tag, such a policy matches nothing.
  for (const username of ["bob!", "a<b>", "x".repeat(300)]) {
    assert.deepEqual(sessionTags({ username, sub: "1234-abcd" }), [
      { Key: "CognitoSubject", Value: "1234-abcd" },
      { Key: "Source", Value: "cognito-credential-proxy" },
    ], username);
  }
  assert.deepEqual(
    sessionTags({ username: "Zoë Ünal@x.y", sub: "1234-abcd" })[0],
    { Key: "CognitoUsername", Value: "Zoë Ünal@x.y" },
  );
});
