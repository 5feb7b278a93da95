import bcrypt from "bcryptjs";
export = bcrypt;
