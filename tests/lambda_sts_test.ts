/** Session names and tags the proxy sends to STS. */
import assert from "node:assert/strict";
import {
  roleSessionName,
  sessionTags,
  sessionTagValue,
} from "../lambda/sts.ts";

Deno.test("sts: the session name is CognitoAuth-<cleaned name>-<16 hex of SHA-256 of the exact name>, within [\\w+=,.@-] and 64 characters", async () => {
  const sha = async (text: string) =>
    Array.from(
      new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
      ),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("").slice(0, 16);
  assert.equal(
    await roleSessionName("alice"),
    `CognitoAuth-alice-${await sha("alice")}`,
  );
  assert.equal(
    await roleSessionName("alice.smith+ops@example.com"),
    `CognitoAuth-alice.smith+ops@example.com-${await sha(
      "alice.smith+ops@example.com",
    )}`,
  );
  assert.equal(
    await roleSessionName("a b/c:d"),
    `CognitoAuth-a_b_c_d-${await sha("a b/c:d")}`,
  );
  assert.equal(
    await roleSessionName("émile"),
    `CognitoAuth-_mile-${await sha("émile")}`,
  );
  // A surrogate pair (one code point) becomes one "_", not two.
  assert.match(await roleSessionName("😀x"), /^CognitoAuth-_x-[0-9a-f]{16}$/);
  const long = await roleSessionName("x".repeat(100));
  assert.equal(long.length, 64);
  assert.match(long, /^CognitoAuth-x{35}-[0-9a-f]{16}$/);
  for (const name of ["alice", "x".repeat(100), "é".repeat(80), "a b"]) {
    assert.match(await roleSessionName(name), /^[\w+=,.@-]{2,64}$/);
  }
  // Stable: the same user always gets the same name.
  assert.equal(await roleSessionName("bob"), await roleSessionName("bob"));
});

Deno.test("sts: users whose names clean up or cut to the same text get different session names (issue 14: bob!, bob_, 'bob ' and names sharing 52 characters collided)", () => {
  const groups = [
    ["bob!", "bob_", "bob ", "bob?"],
    ["x".repeat(52) + "1", "x".repeat(52) + "2", "x".repeat(100)],
    ["Bob", "bob", "BOB"],
  ];
  for (const names of groups) {
    const sessionNames = names.map(roleSessionName);
    assert.equal(new Set(sessionNames).size, names.length, names.join(", "));
  }
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
