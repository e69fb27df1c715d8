/** Why nothing that needs the processes can happen on an attached stack (faults, overrides, instruments the stack must be told about). */
export const ATTACH_NO_CONTROL = "attach: obsconf does not control the processes";
