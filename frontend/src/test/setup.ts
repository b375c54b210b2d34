import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { forgetSession } from "../lib/preparedStore";

afterEach(() => {
  cleanup();
  forgetSession();
  sessionStorage.clear();
  localStorage.clear();
  window.location.hash = "";
});
