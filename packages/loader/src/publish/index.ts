export { checkConventionFolder } from "./check-convention-folder.js";
export { type PublishParams, publishFolder } from "./publish-folder.js";
