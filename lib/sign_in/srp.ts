/**
 * The SRP sign-in method: USER_SRP_AUTH, where only a proof of the password
 * leaves the machine (`login --auth-flow srp`).
 *
 * @module
 */
import type { SignInMethod } from "../sign_in.ts";
import { signInWithUserPassword } from "./password.ts";

/** USER_SRP_AUTH. */
export const srpMethod: SignInMethod = {
  name: "srp",
  needs: ["username", "password"],
  how: "with the password",
  signIn: (context) => signInWithUserPassword(context, "srp"),
};
