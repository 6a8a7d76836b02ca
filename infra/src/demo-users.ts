import type { Role } from "@dermadetect/contract";

/** A demo account seeded into the local Auth emulator. Passwords are for the emulator only. */
export interface DemoUser {
  uid: string;
  email: string;
  password: string;
  role: Role;
  displayName: string;
}

/** Two CHWs (to show scoping), a doctor and an admin. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    uid: "chw-amina",
    email: "amina.chw@demo.dermadetect.test",
    password: "demo-chw-amina",
    role: "chw",
    displayName: "Amina (CHW)",
  },
  {
    uid: "chw-baraka",
    email: "baraka.chw@demo.dermadetect.test",
    password: "demo-chw-baraka",
    role: "chw",
    displayName: "Baraka (CHW)",
  },
  {
    uid: "doctor-chen",
    email: "chen.doctor@demo.dermadetect.test",
    password: "demo-doctor-chen",
    role: "doctor",
    displayName: "Dr Chen",
  },
  {
    uid: "admin-dana",
    email: "dana.admin@demo.dermadetect.test",
    password: "demo-admin-dana",
    role: "admin",
    displayName: "Dana (admin)",
  },
];
